/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-store.h"

G_BEGIN_DECLS

/* disappearing messages (protocol-advanced.md §1): owns the timer for the next message due
 * to disappear, removes from the store what is due and says what it removed with the
 * "removed" signal (GPtrArray of SdMessage, never empty). It knows nothing of the account:
 * the account listens and tells the bus. */
#define SD_TYPE_EXPIRY (sd_expiry_get_type ())
G_DECLARE_FINAL_TYPE (SdExpiry, sd_expiry, SD, EXPIRY, GObject)

/* whether an expiry is due is decided on the local clock, never the network's (issue 14) */
SdExpiry *sd_expiry_new (SdStore *store) G_GNUC_WARN_UNUSED_RESULT;

/* removes what is due now (what expired while the daemon was not running, at start), then
 * arms the timer for the next one */
void sd_expiry_run_now (SdExpiry *self);

/* (re)arms the timer: after a message that will disappear was added or read */
void sd_expiry_schedule (SdExpiry *self);

G_END_DECLS
