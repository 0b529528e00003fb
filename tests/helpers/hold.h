/* How the leak generators stay alive: until their stdin reaches EOF (the
 * test or benchmark closed it), a signal, or a lifetime, so nothing they
 * start outlives the run that started it. */
#ifndef SKTOP_TEST_HOLD_H
#define SKTOP_TEST_HOLD_H

void hold_until_eof(int lifetime_seconds);

#endif
