/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sd-message.h"

G_BEGIN_DECLS

/* The store's values as the D-Bus API's dictionaries (sd-message-variant.c). */

/* the a{sv} message dictionary of design.md §5 (floating reference) */
GVariant *sd_message_to_variant (const SdMessage *message);
/* the same, with "reactions" always present (empty when none): MessageChanged's changes */
GVariant *sd_message_to_changes_variant (const SdMessage *message);
/* the Conversation1 properties as a{sv} (floating reference) */
GVariant *sd_conversation_to_variant (const SdConversation *conversation);

G_END_DECLS
