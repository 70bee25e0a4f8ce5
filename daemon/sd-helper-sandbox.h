/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SD_HELPER_SANDBOX_ERROR (sd_helper_sandbox_error_quark ())

typedef enum {
  SD_HELPER_SANDBOX_ERROR_NO_NEW_PRIVS, /* prctl (PR_SET_NO_NEW_PRIVS) refused */
  SD_HELPER_SANDBOX_ERROR_LANDLOCK,     /* the kernel has Landlock, yet it could not be applied */
  SD_HELPER_SANDBOX_ERROR_SECCOMP,      /* the seccomp filter could not be built or installed */
} SdHelperSandboxError;

GQuark sd_helper_sandbox_error_quark (void);

/*
 * Confines the calling process, for good, to computing on memory it already has and the fds it
 * already holds (docs/security.md): no new privileges; a Landlock ruleset that grants no file
 * system access, no TCP, no abstract unix socket and no signal outside (as far as the kernel's
 * Landlock ABI goes; none when it has no Landlock); then a seccomp filter that allows only
 * reading and writing fds, memory management (never executable), futexes, clocks, signals to
 * itself and exit. Everything else (open, socket, execve, clone, ptrace, mount, ...) fails
 * with EPERM.
 *
 * Call it single-threaded, after every file is opened and before untrusted input is parsed.
 * @out_landlock_abi: the Landlock ABI version applied, 0 when the kernel has none.
 * FALSE when no new privileges or the filter could not be set (the caller must then not parse
 * anything), or when the kernel has Landlock and it failed.
 */
gboolean sd_helper_sandbox_enter (gint *out_landlock_abi, GError **error);

/* the first half of sd_helper_sandbox_enter: no new privileges and the Landlock ruleset, no
 * seccomp filter (for the tests, which check each half on its own) */
gboolean sd_helper_sandbox_enter_landlock (gint *out_landlock_abi, GError **error);

G_END_DECLS
