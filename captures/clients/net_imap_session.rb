#!/usr/bin/ruby
# Drive one IMAP session with Ruby's standard Net::IMAP (a real IMAP client;
# the net-imap gem bundled with Debian's ruby 3.1).  Used by
# ../make-captures.sh because it is the stock client at hand that sends
# LOGIN arguments as bare atoms when they need no quoting (Net::IMAP quotes
# only strings with specials; imaplib always quotes the password, curl 7.88
# only uses LOGIN when no SASL mechanism is usable).
#
#   net_imap_session.rb HOST PORT USER PASSWORD
#
# LOGIN, SELECT INBOX, LOGOUT; exit status 0 if the login succeeded.
require "net/imap"

host, port, user, password = ARGV
abort "usage: net_imap_session.rb HOST PORT USER PASSWORD" unless password
imap = Net::IMAP.new(host, port: Integer(port), open_timeout: 20)
begin
  imap.login(user, password)
  imap.select("INBOX")
ensure
  imap.logout
  imap.disconnect unless imap.disconnected?
end
