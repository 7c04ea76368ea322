/* The real node's sandbox process, as Kubernetes' pause: it holds the pod's namespaces, reaps
 * the children that a shared pid namespace hands it, and exits on SIGINT or SIGTERM. Built with
 * `gcc -static` by tests/src/realnode/images.rs, since the image it runs in has no libc. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) {
    (void)sig;
    _exit(0);
}

static void reap(int sig) {
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

int main(void) {
    struct sigaction on_quit = {0};
    struct sigaction on_child = {0};
    on_quit.sa_handler = quit;
    on_child.sa_handler = reap;
    on_child.sa_flags = SA_NOCLDSTOP;
    if (sigaction(SIGINT, &on_quit, NULL) < 0 || sigaction(SIGTERM, &on_quit, NULL) < 0 ||
        sigaction(SIGCHLD, &on_child, NULL) < 0) {
        return 1;
    }
    for (;;) {
        pause();
    }
}
