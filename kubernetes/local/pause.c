/* Minimal pod-sandbox holder for the local cluster's pause image: sleeps, reaps children,
 * exits on TERM/INT. Built statically by scripts/kubernetes.sh (images). */
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

static void on_term(int s) { (void)s; _exit(0); }
static void on_chld(int s) { (void)s; while (waitpid(-1, 0, WNOHANG) > 0) {} }

int main(void) {
  struct sigaction sa = {0};
  sa.sa_handler = on_term;
  sigaction(SIGINT, &sa, 0);
  sigaction(SIGTERM, &sa, 0);
  sa.sa_handler = on_chld;
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, 0);
  for (;;) pause();
  return 0;
}
