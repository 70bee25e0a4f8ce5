/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sd-store.h"

G_BEGIN_DECLS

/* a message as the D-Bus API shows it (a{sv}, keys SESSIOND_MESSAGE_KEY_* of
 * sessiond-contract.h): MessageAdded, MessageReceived, GetMessages, Search. Optional keys
 * are left out when they do not apply (error unless failed, expires-at unless
 * disappearing, quote-* unless a reply, reactions unless there are some). Floating. */
GVariant *sd_message_dict_new (const SdMessage *message) G_GNUC_WARN_UNUSED_RESULT;

/* the same for MessageChanged, where "reactions" is always present, so that a client sees
 * the last reaction go away. Floating. */
GVariant *sd_message_dict_new_changes (const SdMessage *message) G_GNUC_WARN_UNUSED_RESULT;

G_END_DECLS
