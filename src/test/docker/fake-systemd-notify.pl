#!/usr/bin/perl
# Stands in for systemd in the end-to-end tests (no systemd runs in the test containers):
#   perl fake-systemd-notify.pl SOCKET WATCHDOG_USEC LOGFILE
# receives sd_notify datagrams on the Unix socket SOCKET (keeper's NOTIFY_SOCKET), writes each to LOGFILE as
# "EPOCH_SECONDS MESSAGE" (the message's lines joined with "|"), and acts as the unit's watchdog with
# WatchdogSignal=SIGKILL: once READY=1 has come, a gap longer than WATCHDOG_USEC without WATCHDOG=1 kills
# keeper's JVM, and node.sh's loop starts it again (Restart=on-failure).
use strict;
use warnings;
use IO::Socket::UNIX;
use Socket qw(SOCK_DGRAM);
use Time::HiRes qw(time);

my ($path, $usec, $logfile) = @ARGV;
die "usage: $0 SOCKET WATCHDOG_USEC LOGFILE\n" unless defined $logfile;
unlink $path;
my $sock = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => $path) or die "socket $path: $!\n";
chmod 0666, $path;    # keeper and its systemd-notify run as postgres
open(my $log, '>>', $logfile) or die "$logfile: $!\n";
$log->autoflush(1);

my $limit = $usec / 1e6;
my ($ready, $last) = (0, 0);
while (1) {
    my $in = '';
    vec($in, fileno($sock), 1) = 1;
    my $n = select(my $out = $in, undef, undef, 0.05);
    my $now = time;
    if ($n > 0) {
        my $msg = '';
        $sock->recv($msg, 65536);    # a BARRIER=1 message's pipe is closed here, which releases its sender
        (my $line = $msg) =~ s/\n/|/g;
        printf $log "%.3f %s\n", $now, $line;
        $ready = 1, $last = $now if $msg =~ /^READY=1$/m;
        $last = $now if $msg =~ /^WATCHDOG=1$/m;
        $ready = 0 if $msg =~ /^STOPPING=1$/m;
    }
    if ($ready && $now - $last > $limit) {
        printf $log "%.3f watchdog timeout: no WATCHDOG=1 for %.3f s, SIGKILL to keeper\n", $now, $now - $last;
        system('pkill', '-KILL', '-x', 'java');    # keeper's JVM: the only java in a test node
        $ready = 0;
    }
}
