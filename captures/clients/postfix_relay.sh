#!/bin/sh
# postfix_relay.sh CONFDIR LOG FROM TO MESSAGE - hand MESSAGE to the Postfix
# instance in CONFDIR with its own sendmail(1) (-C CONFDIR) and wait until
# its log LOG says the message left (status=sent), i.e. until that Postfix
# has relayed it over SMTP to its relayhost; exits non-zero if it was not
# sent within 60 s (deferred or bounced).  For ../ext-scenarios.sh.
set -eu
conf=$1 log=$2 from=$3 to=$4 msg=$5
/usr/sbin/sendmail -C "$conf" -f "$from" -- "$to" < "$msg"
postqueue -c "$conf" -f
i=0
while [ $i -lt 600 ]; do
    if grep -q 'status=sent' "$log" 2>/dev/null; then
        grep 'status=sent' "$log" >&2
        exit 0
    fi
    if grep -qE 'status=(deferred|bounced)' "$log" 2>/dev/null; then
        grep -E 'status=(deferred|bounced)' "$log" >&2
        exit 1
    fi
    sleep 0.1
    i=$((i + 1))
done
echo "postfix_relay: not sent within 60 s" >&2
exit 1
