/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bgtask-example-weather: a weather app's background refresh in C, on libbgtask's C API and the
 * app's own poll() loop (bgtask_scheduler_use_external_event_loop()), so every callback runs on
 * the main thread.
 *
 * At start it becomes org.example.Weather, registers the refresh handler and declares its launch
 * finished. Each launch writes a (made-up) forecast to $XDG_CACHE_HOME/org.example.Weather/forecast,
 * submits the next refresh and completes the task.
 *
 *   bgtask-example-weather                   serve launches (what D-Bus activation starts);
 *                                            exits 3 s after the last task, or after 30 s idle
 *   bgtask-example-weather --submit-in SECS  submit a refresh for SECS from now and exit; when it
 *                                            is due within 5 s, serve as above first (the launch
 *                                            then lands in this very process)
 */
#include <bgtask/bgtask.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define APP_ID "org.example.Weather"
#define REFRESH_ID "org.example.Weather.refresh"
#define NEXT_REFRESH_SECONDS (30 * 60)

struct app {
    int running;          /* tasks launched and not completed */
    int any_task;         /* a task ran in this process */
    time_t last_activity; /* when the last task ended, or the start */
};

static int64_t usec_from_now(long seconds)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return ((int64_t)now.tv_sec + seconds) * 1000000 + now.tv_nsec / 1000;
}

static void report(const char *what, bgtask_error *error)
{
    fprintf(stderr, "weather: Failed to %s: %s: %s\n", what, error->sub_reason, error->message);
    bgtask_error_free(error);
}

static int submit_refresh(long seconds_from_now)
{
    bgtask_error *error = NULL;
    bgtask_request *request = bgtask_request_new(BGTASK_KIND_APP_REFRESH, REFRESH_ID);
    int rc;

    bgtask_request_set_earliest_begin_date(request, usec_from_now(seconds_from_now));
    rc = bgtask_scheduler_submit(request, &error);
    bgtask_request_free(request);
    if (rc < 0)
        report("submit the next refresh", error);
    return rc;
}

/* mkdir -p */
static int make_dirs(char *path)
{
    char *slash;

    for (slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            return -1;
        *slash = '/';
    }
    return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

static int write_forecast(void)
{
    const char *cache = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    char dir[4096], path[4200];
    FILE *file;
    time_t now = time(NULL);

    if (cache && *cache)
        snprintf(dir, sizeof dir, "%s/%s", cache, APP_ID);
    else
        snprintf(dir, sizeof dir, "%s/.cache/%s", home ? home : "/tmp", APP_ID);
    if (make_dirs(dir) < 0)
        return -1;
    snprintf(path, sizeof path, "%s/forecast", dir);
    file = fopen(path, "a");
    if (!file)
        return -1;
    fprintf(file, "%ld sunny, %d degrees\n", (long)now, 15 + (int)(now % 10));
    return fclose(file);
}

static void on_expire(bgtask_task *task, bgtask_expiration_reason reason, const char *name, void *user_data)
{
    struct app *app = user_data;

    (void)reason;
    fprintf(stderr, "weather: refresh expired (%s)\n", name);
    app->running--;
    app->last_activity = time(NULL);
    bgtask_task_set_completed(task, false);
}

/* Called inside bgtask_scheduler_process(), on the main thread. The work is short here; a real
 * app would start it (a download on its loop) and complete the task when it ends. */
static void on_launch(bgtask_task *task, void *user_data)
{
    struct app *app = user_data;
    int ok;

    fprintf(stderr, "weather: refresh launched%s\n", bgtask_task_is_simulated(task) ? " (simulated)" : "");
    app->running++;
    app->any_task = 1;
    bgtask_task_set_expiration_handler(task, on_expire, app);
    ok = write_forecast() == 0;
    /* Periodic work: ask for the next refresh before completing this one. */
    submit_refresh(NEXT_REFRESH_SECONDS);
    fprintf(stderr, "weather: forecast %s\n", ok ? "updated" : "could not be written");
    app->running--;
    app->last_activity = time(NULL);
    bgtask_task_set_completed(task, ok); /* the task pointer is not used after this */
}

int main(int argc, char **argv)
{
    struct app app = {0, 0, 0};
    bgtask_error *error = NULL;
    long submit_in = -1;
    int fd, rc;

    if (argc == 3 && strcmp(argv[1], "--submit-in") == 0) {
        submit_in = atol(argv[2]);
    } else if (argc != 1) {
        fprintf(stderr, "Usage: bgtask-example-weather [--submit-in SECONDS]\n");
        return 2;
    }

    /* The loop first, then the identity (handler object, then the bus name), then handlers. */
    fd = bgtask_scheduler_use_external_event_loop(&error);
    if (fd < 0) {
        report("set up the event loop", error);
        return 1;
    }
    if (bgtask_scheduler_set_application_id(APP_ID, NULL, &error) < 0) {
        report("become " APP_ID, error);
        return 1;
    }
    rc = bgtask_scheduler_register(REFRESH_ID, on_launch, &app, &error);
    if (rc < 0) {
        report("register " REFRESH_ID, error);
        return 1;
    }
    if (rc == 0) {
        fprintf(stderr, "weather: the app's manifest does not permit " REFRESH_ID "\n");
        return 1;
    }
    bgtask_scheduler_launch_finished();
    if (submit_in >= 0) {
        if (submit_refresh(submit_in) < 0)
            return 1;
        printf("Submitted " REFRESH_ID " (app-refresh), not before %ld s from now.\n", submit_in);
        fflush(stdout);
        if (submit_in >= 5)
            return 0; /* bgtaskd starts the app again by D-Bus activation when it is time */
    }

    app.last_activity = time(NULL);
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        time_t idle_limit = app.any_task ? 3 : 30;

        if (app.running == 0 && time(NULL) - app.last_activity >= idle_limit)
            break;
        if (poll(&pfd, 1, 500) > 0)
            bgtask_scheduler_process();
    }
    fprintf(stderr, "weather: idle, exiting\n");
    return 0;
}
