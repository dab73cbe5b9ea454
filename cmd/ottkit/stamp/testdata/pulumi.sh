#!/bin/sh
# A stand-in for the pulumi CLI, just enough of it for the Automation API calls PulumiEngine
# makes: version, stack select/init/export/output/history, preview, up, refresh, destroy.
# Every invocation's arguments are appended to $FAKE_PULUMI_CALLS. A stack named slow-*
# runs until interrupted and records in $FAKE_PULUMI_DIR/<stack>.signal how it ended; a
# stack named fail-* fails its operation, and one named new-* does not exist yet. A stack named
# stubborn-* finishes its in-flight work after the first interrupt only when interrupted again,
# as the real CLI does. Each operation writes "<pid> <process group>" to <stack>.pgid.
echo "$*" >> "$FAKE_PULUMI_CALLS"
[ "$1" = "--non-interactive" ] && shift
if [ "$1" = "version" ]; then
	# <= 3.205: the Automation API then reads engine events from a file we write.
	echo "v3.200.0"
	exit 0
fi

stack=""
eventlog=""
prev=""
for a in "$@"; do
	case "$prev" in
	--stack) stack="$a" ;;
	--event-log) eventlog="$a" ;;
	esac
	prev="$a"
done

event() { [ -n "$eventlog" ] && echo "$1" >> "$eventlog"; }
urn="urn:pulumi:$stack::ottkit::aws:s3/bucketV2:BucketV2::$stack-storage-masters"

case "$1 $2" in
"stack select")
	case "$stack" in
	new-*)
		echo "error: no stack named '$stack' found" >&2
		exit 255 ;;
	esac
	exit 0 ;;
"stack init")
	exit 0 ;;
"stack export")
	cat "$FAKE_PULUMI_DIR/export.json"
	exit 0 ;;
"stack output")
	echo '{}'
	exit 0 ;;
"stack history")
	echo '[{"version":2,"kind":"update","startTime":"2026-11-21T09:00:00Z","message":"","environment":{},"config":{},"result":"succeeded","endTime":"2026-11-21T09:01:00Z","resourceChanges":{"create":1,"same":4}}]'
	exit 0 ;;
esac

case "$1" in
preview | up | refresh | destroy)
	echo "$$ $(cut -d' ' -f5 /proc/$$/stat 2>/dev/null)" > "$FAKE_PULUMI_DIR/$stack.pgid"
	echo "Updating ($stack): $1"
	case "$stack" in
	fail-*)
		echo "error: creating bucket $stack-storage-masters: AccessDenied" >&2
		exit 255 ;;
	slow-*)
		trap 'echo interrupted > "$FAKE_PULUMI_DIR/$stack.signal"; exit 255' INT
		echo started > "$FAKE_PULUMI_DIR/$stack.signal"
		while :; do sleep 0.05; done ;;
	stubborn-*)
		interrupts=0
		trap 'interrupts=$((interrupts + 1)); echo "interrupt $interrupts" >> "$FAKE_PULUMI_DIR/$stack.signal"; [ $interrupts -ge 2 ] && exit 255' INT
		echo started > "$FAKE_PULUMI_DIR/$stack.signal"
		while :; do sleep 0.05; done ;;
	esac
	event '{"sequence":1,"timestamp":1,"resourcePreEvent":{"metadata":{"op":"create","urn":"'"$urn"'","type":"aws:s3/bucketV2:BucketV2"}}}'
	event '{"sequence":2,"timestamp":2,"resOutputsEvent":{"metadata":{"op":"create","urn":"'"$urn"'","type":"aws:s3/bucketV2:BucketV2"}}}'
	event '{"sequence":3,"timestamp":3,"summaryEvent":{"maybeCorrupt":false,"durationSeconds":1,"resourceChanges":{"create":1,"same":4},"PolicyPacks":{}}}'
	event '{"sequence":4,"timestamp":4,"cancelEvent":{}}'
	echo "Resources: + 1 created, 4 unchanged"
	# The Automation API tails the event log from the calling process, and stops tailing when
	# we exit: if we exit before it even opened the file, it drops the events. The real CLI
	# runs for seconds; we wait until the caller ($PPID) has the file open, at most 5s (Linux:
	# elsewhere there is no /proc to ask, and the race remains).
	i=0
	while [ -n "$eventlog" ] && [ -d /proc/$PPID/fd ] && [ $i -lt 500 ] && ! ls -l /proc/$PPID/fd 2>/dev/null | grep -qF "$eventlog"; do
		sleep 0.01
		i=$((i + 1))
	done
	exit 0 ;;
esac
echo "fake pulumi: unexpected command: $*" >&2
exit 2
