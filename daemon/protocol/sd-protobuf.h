/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* scope guards for the protoc-c message types we unpack */

#include <glib.h>

#include "session-messages.pb-c.h"
#include "websocket.pb-c.h"

G_BEGIN_DECLS

static inline void
sd_content_free (SessionProtos__Content *content)
{
  session_protos__content__free_unpacked (content, NULL);
}

static inline void
sd_envelope_free (SessionProtos__Envelope *envelope)
{
  session_protos__envelope__free_unpacked (envelope, NULL);
}

static inline void
sd_websocket_message_free (SessionWebSocket__WebSocketMessage *message)
{
  session_web_socket__web_socket_message__free_unpacked (message, NULL);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SessionProtos__Content, sd_content_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SessionProtos__Envelope, sd_envelope_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SessionWebSocket__WebSocketMessage, sd_websocket_message_free)

G_END_DECLS
