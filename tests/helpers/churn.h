/* A healthy busy server for the false-alarm tests: clients connect, ask,
 * and hang up; the server's handler takes a while and then closes. Every
 * connection passes through CLOSE_WAIT for the handler's time and its fd
 * number is soon reused: a one-instant count sees a pile-up that is not. */
#ifndef SKTOP_TEST_CHURN_H
#define SKTOP_TEST_CHURN_H

/* Serves on the listening socket `lfd`: accepts everything, closes each
 * connection hold_ms after accepting it. Returns when stdin reaches EOF. */
void churn_serve(int lfd, int hold_ms);

/* Connects to 127.0.0.1:port `rate` times a second, each connection
 * closed at once (our end goes to TIME_WAIT). Never returns. */
void churn_connect(int port, int rate);

#endif
