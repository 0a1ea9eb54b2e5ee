/*
 * refserver.c — the reference for the HTTP benchmark: libmicrohttpd with
 * the same threading as dyad (epoll, one worker per core) answering every
 * request with a fixed two-byte body. Whatever dyad does beyond this is
 * its own cost; bench/http.sh prints dyad's rate as a ratio of this one.
 *
 *   build/rel/bench/refserver      (prints "port N" once listening)
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload;
    (void)upload_size;
    /* answer on the second call, as dyad does: a response queued on the
     * first call makes libmicrohttpd close the connection (the request
     * could still have a body), which would make this reference slow */
    static int marker;
    if (*state == NULL) {
        *state = &marker;
        return MHD_YES;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, answer,
                         NULL, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cores > 0 ? cores : 2),
                         MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_END);
    if (d == NULL)
        return 1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("port %u\n", info != NULL ? info->port : 0);
    fflush(stdout);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGTERM);
    sigaddset(&s, SIGINT);
    sigprocmask(SIG_BLOCK, &s, NULL);
    int sig;
    sigwait(&s, &sig);
    MHD_stop_daemon(d);
    return 0;
}
