/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libbgtask's one header. From C it declares the C API below; from C++ it declares the same C API
 * and includes the whole C++ API (bgtask::Scheduler, requests, tasks).
 *
 * The C API is a thin layer over the C++ implementation, for C programs and for language
 * bindings (ctypes, cffi, FFI): opaque handles, plain enums, callbacks with a user_data pointer,
 * and errors as a bgtask_error that the caller frees. It follows the C++ API one to one; read
 * <bgtask/Scheduler.h> and <bgtask/Task.h> for the behaviour behind each function. In short:
 *
 *   - There is one scheduler per process; the bgtask_scheduler_* functions act on it.
 *   - Functions that can fail take a `bgtask_error **error` (may be NULL). On failure they return -1
 *     (or NULL) and, when error is not NULL, set *error to a new bgtask_error for the caller to
 *     free with bgtask_error_free(). *error must be NULL on entry.
 *   - Strings are UTF-8 and NUL-terminated. Returned `char *` belong to the caller (free());
 *     returned `const char *` stay owned by the object they came from.
 *   - Times are microseconds since the Unix epoch (int64_t); 0 means "none".
 *   - Callbacks run on the library's own thread, or inside bgtask_scheduler_process() when the
 *     app uses bgtask_scheduler_use_external_event_loop(). Every function may be called from any
 *     thread, including from inside callbacks.
 */
#ifndef BGTASK_BGTASK_H
#define BGTASK_BGTASK_H

#include <bgtask/Export.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Vocabulary --------------------------------------------------------------------------- */

/* Makes an enum exactly as wide as int, so that whatever int a caller passes (from C, or from a
 * binding) is a value of the type: the library checks and refuses it instead of the compiler
 * assuming it cannot happen. Not values to use. */
#define BGTASK_ENUM_FORCE_INT(name) name##_FORCE_INT_MIN_ = -0x7fffffff - 1, name##_FORCE_INT_MAX_ = 0x7fffffff

/* The four kinds of background work (bgtask::TaskKind). */
typedef enum bgtask_kind {
    BGTASK_KIND_APP_REFRESH = 0,          /* short refresh, about 30 s */
    BGTASK_KIND_PROCESSING = 1,           /* deferrable maintenance, minutes */
    BGTASK_KIND_HEALTH_RESEARCH = 2,      /* processing gated on protected data */
    BGTASK_KIND_CONTINUED_PROCESSING = 3, /* user-started work with progress */
    BGTASK_ENUM_FORCE_INT(BGTASK_KIND),
} bgtask_kind;

/* bgtask::SchedulerError::Code: Apple's raw values 1-4, then bgtaskd's own. */
typedef enum bgtask_error_code {
    BGTASK_ERROR_UNAVAILABLE = 1,
    BGTASK_ERROR_TOO_MANY_PENDING_TASK_REQUESTS = 2,
    BGTASK_ERROR_NOT_PERMITTED = 3,
    BGTASK_ERROR_IMMEDIATE_RUN_INELIGIBLE = 4,
    BGTASK_ERROR_INVALID_ARGUMENT = 100,
    BGTASK_ERROR_NOT_FOUND = 101,
    BGTASK_ERROR_ACCESS_DENIED = 102,
    BGTASK_ERROR_INTERNAL = 103,
    BGTASK_ERROR_NO_SCHEDULER = 104, /* no bus, or bgtaskd neither running nor activatable */
    BGTASK_ENUM_FORCE_INT(BGTASK_ERROR),
} bgtask_error_code;

/* A failure: the code, a machine-readable sub-reason ("not-in-manifest", …; tolerate unknown
 * ones) and a human sentence. Free with bgtask_error_free(). */
typedef struct bgtask_error {
    bgtask_error_code code;
    int apple_code;   /* Apple's BGTaskScheduler.Error.Code (1-4), 1 for NO_SCHEDULER, else 0 */
    char *sub_reason; /* never NULL */
    char *message;    /* never NULL */
} bgtask_error;

/* Which network a processing task needs; DEFAULT leaves it to the scheduler. */
typedef enum bgtask_network_type {
    BGTASK_NETWORK_TYPE_DEFAULT = 0,
    BGTASK_NETWORK_TYPE_ANY = 1,
    BGTASK_NETWORK_TYPE_CONNECTED = 2,
    BGTASK_NETWORK_TYPE_UNMETERED = 3,
    BGTASK_ENUM_FORCE_INT(BGTASK_NETWORK_TYPE),
} bgtask_network_type;

/* Which class of protected data a health-research task needs; DEFAULT is the scheduler's
 * (COMPLETE_UNTIL_FIRST_USER_AUTHENTICATION). */
typedef enum bgtask_protection_type {
    BGTASK_PROTECTION_TYPE_DEFAULT = 0,
    BGTASK_PROTECTION_TYPE_NONE = 1,
    BGTASK_PROTECTION_TYPE_COMPLETE = 2,
    BGTASK_PROTECTION_TYPE_COMPLETE_UNLESS_OPEN = 3,
    BGTASK_PROTECTION_TYPE_COMPLETE_UNTIL_FIRST_USER_AUTHENTICATION = 4,
    BGTASK_ENUM_FORCE_INT(BGTASK_PROTECTION_TYPE),
} bgtask_protection_type;

/* What a continued-processing submit does when the task cannot start at once. Zero is the
 * default, QUEUE (unlike Apple's raw values). */
typedef enum bgtask_strategy {
    BGTASK_STRATEGY_QUEUE = 0,
    BGTASK_STRATEGY_FAIL = 1,
    BGTASK_ENUM_FORCE_INT(BGTASK_STRATEGY),
} bgtask_strategy;

/* Optional resources of continued-processing tasks, a bit set. */
#define BGTASK_RESOURCES_DEFAULT 0u
#define BGTASK_RESOURCE_GPU (1u << 0)

/* Why a task is expired (bgtask::ExpirationReason::Code); the name passed with it is exact. */
typedef enum bgtask_expiration_reason {
    BGTASK_EXPIRATION_TIME_LIMIT = 0,
    BGTASK_EXPIRATION_EXTERNAL_POWER_LOST = 1,
    BGTASK_EXPIRATION_NETWORK_LOST = 2,
    BGTASK_EXPIRATION_SESSION_LOCKED = 3,
    BGTASK_EXPIRATION_USER_ACTIVE = 4,
    BGTASK_EXPIRATION_USER_CANCELLED = 5,
    BGTASK_EXPIRATION_STALLED = 6,
    BGTASK_EXPIRATION_SIMULATED = 7,
    BGTASK_EXPIRATION_APP_CANCELLED = 8,
    BGTASK_EXPIRATION_DAEMON_SHUTDOWN = 9,
    BGTASK_EXPIRATION_OTHER = 10, /* newer than this library: see the name */
    BGTASK_ENUM_FORCE_INT(BGTASK_EXPIRATION),
} bgtask_expiration_reason;

/* Whether the app's background work may run (Apple's raw values). */
typedef enum bgtask_refresh_status {
    BGTASK_REFRESH_STATUS_RESTRICTED = 0,
    BGTASK_REFRESH_STATUS_DENIED = 1,
    BGTASK_REFRESH_STATUS_AVAILABLE = 2,
    BGTASK_ENUM_FORCE_INT(BGTASK_REFRESH_STATUS),
} bgtask_refresh_status;

typedef struct bgtask_request bgtask_request; /* a task request (owned by whoever created it) */
typedef struct bgtask_task bgtask_task;       /* a running task (reference counted) */

/* A launch of a registered identifier. The task pointer is valid until the task is completed;
 * take a reference with bgtask_task_ref() to keep it longer. Return promptly. */
typedef void (*bgtask_launch_handler)(bgtask_task *task, void *user_data);
/* The scheduler wants the task to stop: cancel the work and complete the task (false) soon. */
typedef void (*bgtask_expiration_handler)(bgtask_task *task, bgtask_expiration_reason reason,
                                          const char *reason_name, void *user_data);
/* An asynchronous call was answered: error is NULL on success, else borrowed for the call. */
typedef void (*bgtask_completion)(const bgtask_error *error, void *user_data);
/* The app's background refresh status changed (backgroundRefreshStatusDidChangeNotification). */
typedef void (*bgtask_refresh_status_handler)(bgtask_refresh_status status, void *user_data);
/* The pending requests (borrowed for the call; bgtask_request_copy() keeps one), or an error. */
typedef void (*bgtask_pending_callback)(bgtask_request *const *requests, size_t n_requests,
                                        const bgtask_error *error, void *user_data);

/* ---- Errors --------------------------------------------------------------------------------- */

/* Frees an error any function returned; NULL is fine. */
BGTASK_EXPORT void bgtask_error_free(bgtask_error *error);
/* "NotPermitted", "NoScheduler", …; "Internal" for an unknown code. Static storage. */
BGTASK_EXPORT const char *bgtask_error_code_to_string(bgtask_error_code code);

/* ---- The scheduler ------------------------------------------------------------------------ */

/* Makes this process the app (Scheduler::setApplicationId): exports the handler object, then
 * requests bus_name (NULL: the app id). 0 on success. */
BGTASK_EXPORT int bgtask_scheduler_set_application_id(const char *app_id, const char *bus_name,
                                                      bgtask_error **error);
/* The app id, or NULL before it is set. Free with free(). */
BGTASK_EXPORT char *bgtask_scheduler_get_application_id(void);

/* Declares the launch handler of an identifier (Scheduler::registerTask): 1 when registered, 0
 * when the manifest does not permit the identifier, -1 on error ("already-registered",
 * "registration-closed" after bgtask_scheduler_launch_finished(), …). user_data must stay valid
 * for the life of the process: handlers cannot be unregistered. */
BGTASK_EXPORT int bgtask_scheduler_register(const char *identifier, bgtask_launch_handler handler,
                                            void *user_data, bgtask_error **error);
/* The same for a continued-processing identifier; allowed after launch finished. */
BGTASK_EXPORT int bgtask_scheduler_register_continued(const char *identifier, bgtask_launch_handler handler,
                                                      void *user_data, bgtask_error **error);
/* The app has finished launching: refresh and processing registrations close. */
BGTASK_EXPORT void bgtask_scheduler_launch_finished(void);

/* Submits a request, replacing a pending one with the same identifier. 0 on success. */
BGTASK_EXPORT int bgtask_scheduler_submit(const bgtask_request *request, bgtask_error **error);
/* The same, asynchronously: 0 when sent (completion will be called once), -1 when it could not
 * be sent (completion is not called). */
BGTASK_EXPORT int bgtask_scheduler_submit_async(const bgtask_request *request, bgtask_completion completion,
                                                void *user_data, bgtask_error **error);
/* Periodic work (Scheduler::schedulePeriodic): submits the request, and bgtaskd submits it again
 * after each run, interval_usec (1 min to 366 days) after the last successful run, up to flex_usec
 * (0 to less than the interval) earlier; an unsuccessful run is retried after a backoff that
 * starts at backoff_usec and doubles up to max_backoff_usec (0 for either: the defaults, 30 s and
 * 5 h; see bgtask::Backoff). 0 on success. */
BGTASK_EXPORT int bgtask_scheduler_schedule_periodic(const bgtask_request *request, int64_t interval_usec,
                                                     int64_t flex_usec, int64_t backoff_usec,
                                                     int64_t max_backoff_usec, bgtask_error **error);
/* Work retried until a run succeeds (Scheduler::submitWithRetry), with the backoff as above. */
BGTASK_EXPORT int bgtask_scheduler_submit_with_retry(const bgtask_request *request, int64_t backoff_usec,
                                                     int64_t max_backoff_usec, bgtask_error **error);
/* Removes the app's pending request with this identifier (unknown ones are no error). */
BGTASK_EXPORT int bgtask_scheduler_cancel(const char *identifier, bgtask_error **error);
BGTASK_EXPORT int bgtask_scheduler_cancel_async(const char *identifier, bgtask_completion completion,
                                                void *user_data, bgtask_error **error);
/* Removes every pending request of the app. */
BGTASK_EXPORT int bgtask_scheduler_cancel_all(bgtask_error **error);
BGTASK_EXPORT int bgtask_scheduler_cancel_all_async(bgtask_completion completion, void *user_data,
                                                    bgtask_error **error);
/* Copies of the app's pending requests: *requests gets a new array of *n_requests new requests
 * (free all with bgtask_request_array_free()). 0 on success. */
BGTASK_EXPORT int bgtask_scheduler_get_pending_requests(bgtask_request ***requests, size_t *n_requests,
                                                        bgtask_error **error);
BGTASK_EXPORT int bgtask_scheduler_get_pending_requests_async(bgtask_pending_callback callback,
                                                              void *user_data, bgtask_error **error);
BGTASK_EXPORT void bgtask_request_array_free(bgtask_request **requests, size_t n_requests);

/* BGTASK_RESOURCE_* bits continued-processing requests may ask for; 0 when unknown. */
BGTASK_EXPORT unsigned bgtask_scheduler_get_supported_resources(void);
/* AVAILABLE unless the scheduler says otherwise. */
BGTASK_EXPORT bgtask_refresh_status bgtask_scheduler_get_background_refresh_status(void);
/* Calls handler where launch handlers run whenever the app's refresh status changes; NULL stops
 * the calls. user_data must stay valid until replaced. 0 on success, -1 on error. */
BGTASK_EXPORT int bgtask_scheduler_set_refresh_status_handler(bgtask_refresh_status_handler handler,
                                                              void *user_data, bgtask_error **error);

/* Event loop integration (Scheduler::useExternalEventLoop): call before anything connects;
 * returns the fd to watch for reading, or -1 on error. Call bgtask_scheduler_process() whenever
 * it is readable, from the loop's thread. */
BGTASK_EXPORT int bgtask_scheduler_use_external_event_loop(bgtask_error **error);
/* The fd to watch, or -1 when the library runs its own thread. */
BGTASK_EXPORT int bgtask_scheduler_get_fd(void);
/* Does everything pending without blocking; callbacks run here. */
BGTASK_EXPORT void bgtask_scheduler_process(void);

/* ---- Requests ------------------------------------------------------------------------------- */

/* A new request of this kind (every option at its default), or NULL for an unknown kind or a NULL
 * identifier. Continued-processing requests need a title before they are submitted. */
BGTASK_EXPORT bgtask_request *bgtask_request_new(bgtask_kind kind, const char *identifier);
/* A copy to keep (NULL on allocation failure); free both with bgtask_request_free (NULL is fine). */
BGTASK_EXPORT bgtask_request *bgtask_request_copy(const bgtask_request *request);
BGTASK_EXPORT void bgtask_request_free(bgtask_request *request);

/* The kind and identifier it was created with; the string belongs to the request. */
BGTASK_EXPORT bgtask_kind bgtask_request_get_kind(const bgtask_request *request);
BGTASK_EXPORT const char *bgtask_request_get_identifier(const bgtask_request *request);

/* The setters return 0, or -1 when the option does not apply to the request's kind (the request
 * is unchanged). The getters return the default for options that do not apply. */

/* Every kind; 0 = no earliest begin date (ignored by the scheduler for continued processing). */
BGTASK_EXPORT int bgtask_request_set_earliest_begin_date(bgtask_request *request, int64_t usec);
BGTASK_EXPORT int64_t bgtask_request_get_earliest_begin_date(const bgtask_request *request);
/* Processing and health research. */
BGTASK_EXPORT int bgtask_request_set_requires_network_connectivity(bgtask_request *request, bool value);
BGTASK_EXPORT bool bgtask_request_get_requires_network_connectivity(const bgtask_request *request);
BGTASK_EXPORT int bgtask_request_set_requires_external_power(bgtask_request *request, bool value);
BGTASK_EXPORT bool bgtask_request_get_requires_external_power(const bgtask_request *request);
BGTASK_EXPORT int bgtask_request_set_network_type(bgtask_request *request, bgtask_network_type type);
BGTASK_EXPORT bgtask_network_type bgtask_request_get_network_type(const bgtask_request *request);
BGTASK_EXPORT int bgtask_request_set_requires_battery_not_low(bgtask_request *request, bool value);
BGTASK_EXPORT bool bgtask_request_get_requires_battery_not_low(const bgtask_request *request);
/* Health research. */
BGTASK_EXPORT int bgtask_request_set_protection_type(bgtask_request *request, bgtask_protection_type type);
BGTASK_EXPORT bgtask_protection_type bgtask_request_get_protection_type(const bgtask_request *request);
/* Continued processing. Getters return "" for other kinds. */
BGTASK_EXPORT int bgtask_request_set_title(bgtask_request *request, const char *title);
BGTASK_EXPORT const char *bgtask_request_get_title(const bgtask_request *request);
BGTASK_EXPORT int bgtask_request_set_subtitle(bgtask_request *request, const char *subtitle);
BGTASK_EXPORT const char *bgtask_request_get_subtitle(const bgtask_request *request);
BGTASK_EXPORT int bgtask_request_set_strategy(bgtask_request *request, bgtask_strategy strategy);
BGTASK_EXPORT bgtask_strategy bgtask_request_get_strategy(const bgtask_request *request);
BGTASK_EXPORT int bgtask_request_set_required_resources(bgtask_request *request, unsigned resources);
BGTASK_EXPORT unsigned bgtask_request_get_required_resources(const bgtask_request *request);

/* ---- Tasks ------------------------------------------------------------------------------------ */

/* Reference counting: the library holds a reference until the task is completed. */
BGTASK_EXPORT bgtask_task *bgtask_task_ref(bgtask_task *task);
BGTASK_EXPORT void bgtask_task_unref(bgtask_task *task);

/* The identifier it was submitted with (the string belongs to the task) and its kind. */
BGTASK_EXPORT const char *bgtask_task_get_identifier(const bgtask_task *task);
BGTASK_EXPORT bgtask_kind bgtask_task_get_kind(const bgtask_task *task);
/* When the scheduler expires the task with "time-limit"; 0 when the kind has no limit. */
BGTASK_EXPORT int64_t bgtask_task_get_deadline(const bgtask_task *task);
/* True when the launch was simulated ("bgtaskctl run"). */
BGTASK_EXPORT bool bgtask_task_is_simulated(const bgtask_task *task);

/* Sets (or, with NULL, clears) the expiration handler; called at most once. Without one, an
 * expired task is completed as failed by the library. */
BGTASK_EXPORT void bgtask_task_set_expiration_handler(bgtask_task *task, bgtask_expiration_handler handler,
                                                      void *user_data);
/* Tells the scheduler the work is done; only the first call counts. May release the library's
 * reference: do not use the task afterwards unless you hold one of your own. */
BGTASK_EXPORT void bgtask_task_set_completed(bgtask_task *task, bool success);
/* Whether the task was completed (by the app, or by the library after an expiration without
 * handler). */
BGTASK_EXPORT bool bgtask_task_is_completed(const bgtask_task *task);

/* Checkpoints (bgtask::Task::checkpoint, saveCheckpoint): the checkpoint the launch carried, or
 * the one this run saved last, as a copy to free with free(), its length in *size; NULL and
 * *size 0 when there is none (or when out of memory). */
BGTASK_EXPORT uint8_t *bgtask_task_get_checkpoint(const bgtask_task *task, size_t *size);
/* Saves a checkpoint for the next run of the identifier should this one not succeed; at most
 * 65536 bytes, size 0 removes it. Returns 0 once bgtaskd has stored it durably, -1 on error
 * ("checkpoint-too-large", a task that has ended, …). */
BGTASK_EXPORT int bgtask_task_save_checkpoint(bgtask_task *task, const void *data, size_t size,
                                              bgtask_error **error);

/* Continued processing: progress (cheap, coalesced before it reaches the bus) and the title shown
 * on the desktop. The setters return -1 for tasks of other kinds. */
BGTASK_EXPORT int bgtask_task_set_progress(bgtask_task *task, int64_t completed_unit_count,
                                           int64_t total_unit_count);
/* The progress as the app last set it (0 for other kinds). */
BGTASK_EXPORT int64_t bgtask_task_get_completed_unit_count(const bgtask_task *task);
BGTASK_EXPORT int64_t bgtask_task_get_total_unit_count(const bgtask_task *task);
BGTASK_EXPORT int bgtask_task_update_title(bgtask_task *task, const char *title, const char *subtitle);
/* The current title and subtitle; free with free(). "" for other kinds. */
BGTASK_EXPORT char *bgtask_task_get_title(const bgtask_task *task);
BGTASK_EXPORT char *bgtask_task_get_subtitle(const bgtask_task *task);

#ifdef __cplusplus
} /* extern "C" */

#include <bgtask/Scheduler.h>
#include <bgtask/SchedulerError.h>
#include <bgtask/Task.h>
#include <bgtask/TaskKind.h>
#include <bgtask/TaskRequest.h>
#endif

#endif /* BGTASK_BGTASK_H */
