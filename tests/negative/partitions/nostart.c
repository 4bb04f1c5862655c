/* Defines no _start: the image would be empty and entered nowhere. */
int helper(int x);
int helper(int x) { return x + 1; }
