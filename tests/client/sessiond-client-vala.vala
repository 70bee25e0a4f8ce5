/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A Vala front end's use of libsessiond-client, type-checked against the generated
 * sessiond-client-1.vapi (valac -C: the binding must describe the library as Vala sees it;
 * nothing runs).
 */

async void show_conversations (string? address) throws GLib.Error {
  Sessiond.Client client;

  if (address != null)
    client = yield new Sessiond.Client.for_address (address, null);
  else
    client = yield new Sessiond.Client (null, null);
  print ("%s %s %u\n", client.dup_state (), client.dup_session_id (),
         client.get_unread_count ());

  var conversations = client.get_conversations ();
  for (uint i = 0; i < conversations.get_n_items (); i++) {
    var c = (Sessiond.Conversation) conversations.get_item (i);
    var messages = yield c.get_messages_async (0, 0, 10, null);
    foreach (var m in messages) {
      foreach (var r in m.get_reactions ())
        print ("%s %u\n", r.get_emoji (), r.get_count ());
      print ("%s %s %s\n", m.get_id (), m.get_author (), m.get_body ());
    }
    c.message_changed.connect ((id, changes) => print ("%s\n", id));
  }

  string conversation_id;
  var message_id = yield client.send_async ("05" + string.nfill (64, 'a'), "hello", null,
                                            out conversation_id);
  print ("%s %s\n", message_id, conversation_id);
  client.message_received.connect ((id, message) => print ("%s\n", message.get_body ()));
}

int main (string[] args) {
  var loop = new MainLoop ();

  show_conversations.begin (args.length > 1 ? args[1] : null, (obj, res) => {
    try {
      show_conversations.end (res);
    } catch (GLib.Error e) {
      if (e is Sessiond.ClientError.NOT_RUNNING)
        print ("sessiond is not running\n");
    }
    loop.quit ();
  });
  loop.run ();
  return 0;
}
