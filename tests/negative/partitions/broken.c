/* Does not compile. */
int broken(void) { return missing_symbol; }
