#!/bin/sh
# The harness itself: when a scenario exits, its cleanup stops every process
# left in its namespaces, tracked or not, and deletes them. A stray process
# would otherwise keep a namespace, and whatever runs in it, alive unseen.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/e2e/lib.sh"
e2e_init cleanup
src=$(cd "$top_srcdir" && pwd)

# A scenario (its own shell, so its own prefix and EXIT trap) that starts a
# process in its namespace without tracking it, writes down its PID and the
# namespace's name, and exits.
cat >"$E2E_DIR/scenario.sh" <<SCENARIO
. "$src/tests/e2e/lib.sh"
e2e_init cleanup-inner
netns_add "\${E2E_PREFIX}-stray"
ip netns exec "\${E2E_PREFIX}-stray" sleep 300 </dev/null >/dev/null 2>&1 &
echo \$! >"$E2E_DIR/stray.pid"
echo "\${E2E_PREFIX}-stray" >"$E2E_DIR/stray.ns"
ip netns exec "\${E2E_PREFIX}-stray" readlink /proc/self/ns/net >"$E2E_DIR/stray.netns"
wait_for 5 test -n "\$(ip netns pids "\${E2E_PREFIX}-stray")" || die "sleep runs in the namespace"
exit 0
SCENARIO
top_srcdir=$src sh "$E2E_DIR/scenario.sh" >"$E2E_DIR/scenario.log" 2>&1
rc=$?
pid=$(cat "$E2E_DIR/stray.pid" 2>/dev/null)
ns=$(cat "$E2E_DIR/stray.ns" 2>/dev/null)
# Should the inner cleanup fail, this run's own cleanup stops whatever is
# left in that namespace and deletes it.
if [ -n "$ns" ] && ip netns list | awk '{ print $1 }' | grep -qx "$ns"; then
	E2E_NAMESPACES="$E2E_NAMESPACES $ns"
fi
# And the process, should it outlive a deleted namespace: tracked only while
# it is still the one in that namespace (a PID is reused once free).
if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$(cat "$E2E_DIR/stray.netns")" ]; then
	E2E_PIDS="$E2E_PIDS $pid:stray-sleep"
fi

check "the inner scenario passed and its cleanup says so" \
	test "$rc" -eq 0
check "its cleanup stopped the untracked process" \
	sh -c "[ -n '$pid' ] && ! kill -0 '$pid' 2>/dev/null"
check "its log names the process it did not track" \
	grep -q "stopped processes it did not track: *$pid\$" "$E2E_DIR/scenario.log"
check "its namespace is gone" \
	sh -c "! ip netns list | awk '{ print \$1 }' | grep -qx '$ns'"
check "its cleanup reported success" \
	grep -q "^ok   - cleanup complete" "$E2E_DIR/scenario.log"
e2e_finish
