/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#if !defined(__SESSIOND_H_INSIDE__) && !defined(SESSIOND_COMPILATION)
#error "Only <sessiond.h> can be included directly."
#endif

#include <glib-object.h>

G_BEGIN_DECLS

#define SESSIOND_TYPE_REACTION (sessiond_reaction_get_type ())

typedef struct _SessiondReaction SessiondReaction;

GType             sessiond_reaction_get_type (void) G_GNUC_CONST;
SessiondReaction *sessiond_reaction_ref (SessiondReaction *self);
void              sessiond_reaction_unref (SessiondReaction *self);

const gchar *sessiond_reaction_get_emoji (SessiondReaction *self);
guint        sessiond_reaction_get_count (SessiondReaction *self);
gboolean     sessiond_reaction_get_reacted_by_me (SessiondReaction *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SessiondReaction, sessiond_reaction_unref)

G_END_DECLS
