#!/usr/bin/perl
# Mail::DKIM's ARC (Debian libmail-dkim-perl) for the interop tests in ../arc.rs.
#   arc.pl verify PORT            < message   prints pass, fail or none
#   arc.pl seal PORT SRVID KEYPEM < message   prints the message sealed (its AR with SRVID first)
# Keys are looked up at the DNS server on 127.0.0.1:PORT.
use strict;
use warnings;
use Mail::DKIM::ARC::Signer;
use Mail::DKIM::ARC::Verifier;
use Mail::DKIM::DNS;
use Net::DNS::Resolver;

my ($mode, $port, $srvid, $key) = @ARGV;
Mail::DKIM::DNS::resolver(
    Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $port, recurse => 0, udp_timeout => 5, retry => 1));
local $/;
my $msg = <STDIN>;
my $verifier = Mail::DKIM::ARC::Verifier->new();
$verifier->PRINT($msg);
$verifier->CLOSE;
my $cv = $verifier->result;
if ($mode eq 'verify') {
    print "$cv\n";
    print STDERR ($verifier->result_detail // ''), "\n";
    exit 0;
}
# A hop: its Authentication-Results first (arc= what it found), then the seal.
$msg = "Authentication-Results: $srvid; arc=$cv; dkim=none\r\n" . $msg;
# Mail::DKIM reads PKCS#1 only: the PKCS#8 key converted by openssl.
open(my $pem, '-|', 'openssl', 'pkey', '-in', $key, '-traditional') or die "openssl: $!\n";
my $data = join('', grep { !/^-----/ } split(/\n/, scalar <$pem>));
close($pem) or die "openssl pkey failed\n";
$data =~ s/\s+//g;
my $signer = Mail::DKIM::ARC::Signer->new(
    Algorithm => 'rsa-sha256', Chain => 'ar', Domain => 'example.com', SrvId => $srvid,
    Selector => '2026rsa', Key => Mail::DKIM::PrivateKey->load(Data => $data),
    Headers => 'from:to:subject:date:message-id', Timestamp => 1767300000);
$signer->PRINT($msg);
$signer->CLOSE;
die 'Mail::DKIM did not seal: ' . $signer->result . "\n" unless $signer->result eq 'sealed';
print join('', map { "$_\r\n" } $signer->as_strings), $msg;
