/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test mode (SESSIOND_APP_TEST_MODE=1 only): org.sessiond.App.Debug beside
 * the app's org.gtk.Actions, so a test can read what the widgets show —
 * found by walking the widget tree, not by asking the models — fill in
 * entries, and render the window to a PNG. Everything else a test does goes
 * through the app's real GActions. Message bodies pass here only because a
 * test asked; nothing is logged. */
#define G_LOG_DOMAIN "SaDebug"

#include "config.h"

#include <adwaita.h>

#include "sa-conversation-row.h"
#include "sa-debug.h"
#include "sa-message-row.h"
#include "sa-window.h"

static const gchar debug_xml[] =
  "<node>"
  "  <interface name='org.sessiond.App.Debug'>"
  "    <method name='GetState'>"
  "      <arg name='state' type='a{sv}' direction='out'/>"
  "    </method>"
  "    <method name='SetText'>"
  "      <arg name='field' type='s' direction='in'/>"
  "      <arg name='text' type='s' direction='in'/>"
  "    </method>"
  "    <method name='Resize'>"
  "      <arg name='width' type='i' direction='in'/>"
  "      <arg name='height' type='i' direction='in'/>"
  "    </method>"
  "    <method name='CloseDialogs'/>"
  "    <method name='ScrollMessagesToTop'/>"
  "    <method name='Screenshot'>"
  "      <arg name='path' type='s' direction='in'/>"
  "      <arg name='color_scheme' type='s' direction='in'/>"
  "    </method>"
  "  </interface>"
  "</node>";

static SaWindow *
find_window (GtkApplication *app)
{
  for (GList *l = gtk_application_get_windows (app); l != NULL; l = l->next)
    if (SA_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

/* the app's other windows (settings, account, dialogs), newest first */
static GPtrArray *
dialogs (GtkApplication *app)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GListModel *toplevels = gtk_window_get_toplevels ();

  /* transient windows are not always the application's: look at every toplevel */
  for (guint i = g_list_model_get_n_items (toplevels); i > 0; i--) {
    g_autoptr(GtkWidget) w = g_list_model_get_item (toplevels, i - 1);

    if (!SA_IS_WINDOW (w) && gtk_widget_get_visible (w))
      g_ptr_array_add (out, g_steal_pointer (&w));
  }
  return out;
}

/* the rows a list view shows right now, in widget order */
static void
collect (GtkWidget *widget, GType type, GPtrArray *out)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child)) {
    if (G_TYPE_CHECK_INSTANCE_TYPE (child, type)) {
      if (gtk_widget_get_mapped (child))
        g_ptr_array_add (out, child);
    } else {
      collect (child, type, out);
    }
  }
}

static GVariant *
conversation_rows (GtkWidget *list)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  collect (list, SA_TYPE_CONVERSATION_ROW, rows);
  for (guint i = 0; i < rows->len; i++) {
    SaConversationRow *row = g_ptr_array_index (rows, i);
    SessiondConversation *c = sa_conversation_row_get_conversation (row);

    if (c == NULL)
      continue;
    g_variant_builder_open (&b, G_VARIANT_TYPE ("a{sv}"));
    g_variant_builder_add (&b, "{sv}", "id", g_variant_new_string (sessiond_conversation_get_id (c)));
    g_variant_builder_add (&b, "{sv}", "title",
                           g_variant_new_string (sa_conversation_row_get_title (row)));
    g_variant_builder_add (&b, "{sv}", "preview",
                           g_variant_new_string (sa_conversation_row_get_preview (row)));
    g_variant_builder_close (&b);
  }
  return g_variant_builder_end (&b);
}

/* the list keeps rows around its visible part realized: whether any of
 * @row is inside the list's viewport, what the user actually sees */
static gboolean
in_view (SaMessageRow *row, GtkWidget *list)
{
  graphene_rect_t bounds;

  if (!gtk_widget_compute_bounds (GTK_WIDGET (row), list, &bounds))
    return FALSE;
  return bounds.size.height > 0 && bounds.origin.y < gtk_widget_get_height (list) &&
         bounds.origin.y + bounds.size.height > 0;
}

static GVariant *
message_rows (GtkWidget *list)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("aa{sv}"));
  collect (list, SA_TYPE_MESSAGE_ROW, rows);
  for (guint i = 0; i < rows->len; i++) {
    SaMessageRow *row = g_ptr_array_index (rows, i);
    SessiondMessage *m = sa_message_row_get_message (row);

    if (m == NULL)
      continue;
    g_variant_builder_open (&b, G_VARIANT_TYPE ("a{sv}"));
    g_variant_builder_add (&b, "{sv}", "id", g_variant_new_string (sessiond_message_get_id (m)));
    g_variant_builder_add (&b, "{sv}", "text",
                           g_variant_new_string (sa_message_row_get_body_text (row)));
    g_variant_builder_add (&b, "{sv}", "outgoing",
                           g_variant_new_boolean (sa_message_row_get_outgoing (row)));
    g_variant_builder_add (&b, "{sv}", "reactions",
                           g_variant_new_string (sa_message_row_get_reactions_text (row)));
    g_variant_builder_add (&b, "{sv}", "day-shown",
                           g_variant_new_boolean (sa_message_row_get_day_shown (row)));
    g_variant_builder_add (&b, "{sv}", "status",
                           g_variant_new_string (sessiond_message_get_status (m) != NULL
                                                   ? sessiond_message_get_status (m) : ""));
    g_variant_builder_add (&b, "{sv}", "in-view", g_variant_new_boolean (in_view (row, list)));
    g_variant_builder_close (&b);
  }
  return g_variant_builder_end (&b);
}

static GVariant *
get_state (GtkApplication *app, SaWindow *window)
{
  g_autoptr(GPtrArray) open_dialogs = dialogs (app);
  GVariantBuilder titles;
  SaConversationView *view = sa_window_get_conversation_view (window);
  SessiondConversation *open = sa_conversation_view_get_conversation (view);
  SaMessageModel *model = sa_conversation_view_get_model (view);
  g_autofree gchar *composer = sa_conversation_view_dup_composer_text (view);
  GVariantBuilder b;

  g_variant_builder_init (&titles, G_VARIANT_TYPE_STRING_ARRAY);
  for (guint i = 0; i < open_dialogs->len; i++) {
    const gchar *title = gtk_window_get_title (g_ptr_array_index (open_dialogs, i));

    g_variant_builder_add (&titles, "s", title != NULL ? title : "");
  }
  g_variant_builder_init (&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&b, "{sv}", "dialogs", g_variant_builder_end (&titles));
  g_variant_builder_add (&b, "{sv}", "page", g_variant_new_string (sa_window_get_page (window)));
  g_variant_builder_add (&b, "{sv}", "setup-error",
                         g_variant_new_string (sa_setup_page_get_error (
                           sa_window_get_setup_page (window))));
  g_variant_builder_add (&b, "{sv}", "sidebar",
                         g_variant_new_string (sa_window_get_sidebar_page (window)));
  g_variant_builder_add (&b, "{sv}", "folded", g_variant_new_boolean (sa_window_get_folded (window)));
  g_variant_builder_add (&b, "{sv}", "dark",
                         g_variant_new_boolean (adw_style_manager_get_dark (
                           adw_style_manager_get_default ())));
  g_variant_builder_add (&b, "{sv}", "active",
                         g_variant_new_boolean (gtk_window_is_active (GTK_WINDOW (window))));
  g_variant_builder_add (&b, "{sv}", "width",
                         g_variant_new_int32 (gtk_widget_get_width (GTK_WIDGET (window))));
  g_variant_builder_add (&b, "{sv}", "conversations",
                         conversation_rows (sa_window_get_conversation_list (window)));
  g_variant_builder_add (&b, "{sv}", "requests",
                         conversation_rows (sa_window_get_request_list (window)));
  g_variant_builder_add (&b, "{sv}", "open",
                         g_variant_new_string (open != NULL ? sessiond_conversation_get_id (open)
                                                            : ""));
  g_variant_builder_add (&b, "{sv}", "messages",
                         message_rows (sa_conversation_view_get_message_list (view)));
  g_variant_builder_add (&b, "{sv}", "pages-loaded",
                         g_variant_new_uint32 (model != NULL
                                                 ? sa_message_model_get_pages_loaded (model) : 0));
  g_variant_builder_add (&b, "{sv}", "messages-held",
                         g_variant_new_uint32 (model != NULL
                                                 ? g_list_model_get_n_items (G_LIST_MODEL (model))
                                                 : 0));
  g_variant_builder_add (&b, "{sv}", "typing",
                         g_variant_new_boolean (sa_conversation_view_get_typing_shown (view)));
  g_variant_builder_add (&b, "{sv}", "request-bar",
                         g_variant_new_boolean (sa_conversation_view_get_request_shown (view)));
  g_variant_builder_add (&b, "{sv}", "composer", g_variant_new_string (composer));
  g_variant_builder_add (&b, "{sv}", "reply",
                         g_variant_new_string (sa_conversation_view_get_reply (view) != NULL
                                                 ? sa_conversation_view_get_reply (view) : ""));
  return g_variant_builder_end (&b);
}

/* ---- screenshots ---- */

typedef struct {
  GDBusMethodInvocation *invocation; /* (owned) */
  gchar *path;                       /* (owned) */
  guint frames;
  gint64 start;  /* frame time of the first tick */
} Shot;

static gboolean
save_png (GtkWidget *window, const gchar *path, GError **error)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (window);
  int height = gtk_widget_get_height (window);
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));

  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL || renderer == NULL) {
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PENDING, "nothing to render");
    return FALSE;
  }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (!gdk_texture_save_to_png (texture, path)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "could not write %s", path);
    return FALSE;
  }
  return TRUE;
}

static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  Shot *shot = user_data;
  g_autoptr(GError) error = NULL;

  /* let style changes and transitions (title crossfades, 200 ms) finish */
  if (shot->frames++ == 0)
    shot->start = gdk_frame_clock_get_frame_time (clock);
  if (shot->frames < 3 || gdk_frame_clock_get_frame_time (clock) - shot->start < 500 * 1000)
    return G_SOURCE_CONTINUE;
  if (save_png (widget, shot->path, &error)) {
    g_dbus_method_invocation_return_value (shot->invocation, NULL);
  } else if (shot->frames < 600 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING)) {
    /* mid-resize there may be nothing drawn yet: try the next frame */
    return G_SOURCE_CONTINUE;
  } else {
    g_dbus_method_invocation_return_gerror (shot->invocation, error);
  }
  shot->invocation = NULL;
  return G_SOURCE_REMOVE;
}

static void
shot_free (gpointer data)
{
  Shot *shot = data;

  if (shot->invocation != NULL)
    g_dbus_method_invocation_return_error_literal (shot->invocation, G_IO_ERROR,
                                                   G_IO_ERROR_CANCELLED, "window went away");
  g_free (shot->path);
  g_free (shot);
}

static void
on_call (GDBusConnection *connection, const gchar *sender, const gchar *path,
         const gchar *iface, const gchar *method, GVariant *params,
         GDBusMethodInvocation *invocation, gpointer user_data)
{
  GtkApplication *app = user_data;
  SaWindow *window = find_window (app);

  if (window == NULL) {
    g_dbus_method_invocation_return_error_literal (invocation, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                                   "no window yet");
    return;
  }
  if (g_str_equal (method, "GetState")) {
    g_dbus_method_invocation_return_value (invocation, g_variant_new ("(@a{sv})",
                                                                      get_state (app, window)));
  } else if (g_str_equal (method, "SetText")) {
    const gchar *field, *text;

    g_variant_get (params, "(&s&s)", &field, &text);
    if (g_str_equal (field, "composer")) {
      sa_conversation_view_set_composer_text (sa_window_get_conversation_view (window), text);
    } else if (g_str_equal (field, "recovery-phrase")) {
      sa_setup_page_set_phrase (sa_window_get_setup_page (window), text);
    } else if (g_str_equal (field, "display-name")) {
      sa_setup_page_set_display_name (sa_window_get_setup_page (window), text);
    } else {
      g_dbus_method_invocation_return_error (invocation, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                             "no field %s", field);
      return;
    }
    g_dbus_method_invocation_return_value (invocation, NULL);
  } else if (g_str_equal (method, "Resize")) {
    gint width, height;

    g_variant_get (params, "(ii)", &width, &height);
    gtk_window_set_default_size (GTK_WINDOW (window), width, height);
    g_dbus_method_invocation_return_value (invocation, NULL);
  } else if (g_str_equal (method, "ScrollMessagesToTop")) {
    /* what the user does with the scroll wheel or Home: the view pages on its own */
    GtkWidget *list = sa_conversation_view_get_message_list (sa_window_get_conversation_view (window));
    GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (list));

    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_lower (adjustment));
    g_dbus_method_invocation_return_value (invocation, NULL);
  } else if (g_str_equal (method, "CloseDialogs")) {
    g_autoptr(GPtrArray) open_dialogs = dialogs (app);

    for (guint i = 0; i < open_dialogs->len; i++)
      gtk_window_close (g_ptr_array_index (open_dialogs, i));
    g_dbus_method_invocation_return_value (invocation, NULL);
  } else if (g_str_equal (method, "Screenshot")) {
    const gchar *png, *scheme;
    Shot *shot = g_new0 (Shot, 1);
    g_autoptr(GPtrArray) open_dialogs = dialogs (app);
    /* the newest dialog when there is one, else the main window */
    GtkWidget *target = open_dialogs->len > 0 ? g_ptr_array_index (open_dialogs, 0)
                                              : GTK_WIDGET (window);

    g_variant_get (params, "(&s&s)", &png, &scheme);
    adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                        g_str_equal (scheme, "dark")
                                          ? ADW_COLOR_SCHEME_FORCE_DARK
                                          : ADW_COLOR_SCHEME_FORCE_LIGHT);
    shot->invocation = invocation; /* ours until a reply consumes it */
    shot->path = g_strdup (png);
    gtk_widget_queue_draw (target);
    gtk_widget_add_tick_callback (target, on_tick, shot, shot_free);
  }
}

static const GDBusInterfaceVTable vtable = { .method_call = on_call };

guint
sa_debug_export (GtkApplication *app, GDBusConnection *connection, const gchar *object_path,
                 GError **error)
{
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (debug_xml, error);

  if (info == NULL)
    return 0;
  return g_dbus_connection_register_object (connection, object_path, info->interfaces[0],
                                            &vtable, app, NULL, error);
}
