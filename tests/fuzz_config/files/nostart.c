int not_start(void)
{
    for (;;) {
    }
}
