/* SPDX-License-Identifier: Apache-2.0 */
int not_start(void)
{
    for (;;) {
    }
}
