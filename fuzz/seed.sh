#!/usr/bin/env bash
# Fills fuzz/seeds/<target>/ with seed inputs made from ../../shared/testdata
# (relative to fuzz/; override with TESTDATA=...) and from the dkimpy ARC
# chains of ../dkim-core/tests/data/arc (ARC_DATA=...). Idempotent: every seed
# this script owns is removed and written again, in a fixed order, with
# content-derived names, so two runs give the same files. Seeds named cov-*
# (kept from fuzzing runs) are left alone.
#
#   messages (*.eml, mail-dkim/corpus/*, dkimpy *.msg)  -> verify, header_canon, body_canon
#   DKIM-Signature values from those messages           -> signature, tag_list, auth_results
#   TXT record values from the *.zone files             -> key_record, tag_list
#   the *.zone files                                    -> zone_file
#   canon/{body,header}.tsv vectors                     -> body_canon, header_canon
#   hand-made DNS answers                               -> dns_response
#   the ARC chains (ARC_DATA/*.eml)                     -> arc_chain
#   ARC-Seal, -Message-Signature, -Authentication-Results values
#     from those chains                                 -> arc_fields
#
# Messages with bare LF line ends are converted to CRLF. Layouts the targets
# expect (see each fuzz_targets/*.rs): verify gets a mode byte and a chunk
# pattern before the message, body_canon a chunk pattern before the body.
set -euo pipefail

cd "$(dirname "$0")"
TESTDATA=${TESTDATA:-../../shared/testdata}
ARC_DATA=${ARC_DATA:-../dkim-core/tests/data/arc}
MAX_MESSAGE_BYTES=${MAX_MESSAGE_BYTES:-32768}
MAX_FILES=${MAX_FILES:-150}
TARGETS=(arc_chain arc_fields auth_results body_canon dns_response header_canon key_record signature tag_list verify zone_file)

for d in "$TESTDATA" "$ARC_DATA"; do
    if [[ ! -d $d ]]; then
        echo "seed.sh: no test data at $d" >&2
        exit 1
    fi
done
# Seeds named cov-* were kept from fuzzing runs because they raise coverage
# (see README.md); they are not made from the test data and stay.
for t in "${TARGETS[@]}"; do
    mkdir -p "seeds/$t"
    find "seeds/$t" -type f ! -name 'cov-*' -delete
done

perl - "$TESTDATA" seeds "$MAX_MESSAGE_BYTES" "$MAX_FILES" "$ARC_DATA" <<'PERL'
use strict;
use warnings;
use File::Find;
use Digest::SHA qw(sha1_hex);

my ($td, $out, $max_bytes, $max_files, $arc_data) = @ARGV;
my (%count, %seen);

sub slurp {
    open my $f, '<:raw', $_[0] or die "$_[0]: $!";
    local $/;
    my $d = <$f>;
    return defined $d ? $d : '';
}

# One seed: named after its source plus a short content hash (the same
# value from two sources is kept once).
sub put {
    my ($target, $name, $data) = @_;
    my $hash = sha1_hex($data);
    return if $seen{$target}{$hash}++;
    return if ++$count{$target} > $max_files;
    $name =~ s{[^A-Za-z0-9._-]+}{_}g;
    my $path = sprintf '%s/%s/%s-%s', $out, $target, $name, substr($hash, 0, 8);
    open my $f, '>:raw', $path or die "$path: $!";
    print $f $data;
    close $f or die "$path: $!";
}

# Test-data escapes: \r \n \t \\ \xHH.
sub unescape {
    my $s = shift;
    $s =~ s{\\(x([0-9A-Fa-f]{2})|r|n|t|\\)}{
        defined $2 ? chr(hex $2) : { r => "\r", n => "\n", t => "\t", '\\' => '\\' }->{$1}
    }ge;
    return $s;
}

my @files;
find({ no_chdir => 1, wanted => sub { push @files, $File::Find::name if -f } }, $td);
@files = sort @files;
my @messages = grep { m{\.eml$} || m{/mail-dkim/corpus/} || m{/dkimpy/upstream/.*\.msg$} } @files;
my @zones = grep { m{\.zone$} } @files;

my $verify_prefix = "\x00\x07\x40\x01\x90";    # mode 0, then the chunk pattern
my $pattern = "\x07\x40\x01\x90";              # chunks of 7, 64*... see dkim_fuzz::Chunks

for my $file (@messages) {
    my $m = slurp($file);
    next if length($m) > $max_bytes;
    $m =~ s/\n/\r\n/g unless $m =~ /\r/;
    (my $name = substr($file, length $td)) =~ s{^/}{};
    my $end = index($m, "\r\n\r\n");
    my ($header, $body) = $end < 0 ? ($m, '') : (substr($m, 0, $end + 4), substr($m, $end + 4));
    put('verify', $name, $verify_prefix . $m);
    put('header_canon', $name, $header);
    put('body_canon', $name, $pattern . $body);
    # DKIM-Signature values, folding kept, without the final CRLF.
    my @fields;
    for my $line (split /\r\n/, $header) {
        if ($line =~ /^[ \t]/ && @fields) { $fields[-1] .= "\r\n$line" } elsif (length $line) { push @fields, $line }
    }
    for my $field (@fields) {
        next unless $field =~ /^DKIM-Signature[ \t]*:(.*)$/is;
        put($_, $name, $1) for qw(signature tag_list auth_results);
    }
}
# A few other verify modes on the signed RFC 8463 message (see verify.rs).
for my $file (grep { m{/rfc8463/message\.eml$} } @messages) {
    my $m = slurp($file);
    put('verify', "rfc8463-mode-$_", chr($_) . "\x01\x00\x03\x85" . $m) for (0x02, 0x04, 0x06, 0x0e, 0x30, 0x71);
}

for my $file (@zones) {
    my $z = slurp($file);
    (my $name = substr($file, length $td)) =~ s{^/}{};
    put('zone_file', $name, $z);
    for my $line (split /\r?\n/, $z) {
        next if $line =~ /^\s*[;#]/ || $line !~ /\sTXT\s/i;
        my $value = '';
        while ($line =~ /"((?:[^"\\]|\\.)*)"/g) {
            my $s = $1;
            $s =~ s{\\(\d{3}|.)}{ length($1) == 3 ? chr($1) : $1 }ge;
            $value .= $s;
        }
        put($_, $name, $value) for qw(key_record tag_list);
    }
}

for my $row (split /\n/, slurp("$td/canon/body.tsv")) {
    next if $row =~ /^#/;
    my ($id, $canon, $input, $chunks) = split /\t/, $row, -1;
    my $p = $pattern;
    if (defined $chunks && $chunks ne '-') {
        my @lengths = map { $_ > 127 ? 127 : $_ } split /,/, $chunks;
        $p = pack 'C4', (@lengths, 0, 0, 0, 0)[0 .. 3];
    }
    put('body_canon', "canon-$id", $p . unescape($input));
}
for my $row (split /\n/, slurp("$td/canon/header.tsv")) {
    next if $row =~ /^#/;
    my ($id, $canon, $input) = split /\t/, $row, -1;
    put('header_canon', "canon-$id", unescape($input));
}

# DNS answers for sel._domainkey.example.com (the name dns_response.rs asks
# for). The question in the answer starts at offset 12: 3 "sel" at 12, 10
# "_domainkey" at 16, 7 "example" at 27; 32 bytes with type and class, so
# answer records start at 44.
my $key = 'v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=';
sub rr { my ($owner, $type, $ttl, $rdata) = @_; return pack('n n n N n', $owner, $type, 1, $ttl, length $rdata) . $rdata }
sub txt { return join '', map { chr(length $_) . $_ } @_ }
my $question = "\x03sel\x0a_domainkey\x07example\x03com\x00" . pack('n n', 16, 1);
my $soa = rr(0xC01B, 6, 600, "\x02ns\xC0\x1B\x0ahostmaster\xC0\x1B" . pack('N5', 1, 7200, 3600, 1209600, 300));
# Mode 2 payloads: flags, counts (an, ns, ar), records.
my %mode2 = (
    'txt' => ["\x84\x00", 1, 0, 0, rr(0xC00C, 16, 300, txt($key))],
    'txt-ad-two-strings' => ["\x81\xA0", 1, 0, 0, rr(0xC00C, 16, 300, txt(substr($key, 0, 20), substr($key, 20)))],
    'two-txt' => ["\x84\x00", 2, 0, 0, rr(0xC00C, 16, 300, txt('v=spf1 -all')) . rr(0xC00C, 16, 60, txt($key))],
    'cname-in-answer' => ["\x84\x00", 2, 0, 0, rr(0xC00C, 5, 300, "\x01x\xC0\x10") . rr(0xC038, 16, 300, txt($key))],
    'cname-out' => ["\x84\x00", 1, 0, 0, rr(0xC00C, 5, 300, "\x05other\x07example\x03net\x00")],
    'cname-loop' => ["\x84\x00", 1, 0, 0, rr(0xC00C, 5, 300, "\xC0\x0C")],
    'nxdomain-soa' => ["\x84\x03", 0, 1, 0, $soa],
    'nodata-soa' => ["\x84\x00", 0, 1, 0, $soa],
    'servfail' => ["\x80\x02", 0, 0, 0, ''],
    'refused' => ["\x80\x05", 0, 0, 0, ''],
    'truncated' => ["\x86\x00", 0, 0, 0, ''],
    'edns' => ["\x84\x00", 1, 0, 1, rr(0xC00C, 16, 300, txt($key)) . "\x00" . pack('n n N n', 41, 1232, 0, 0)],
);
for my $name (sort keys %mode2) {
    my ($flags, $an, $ns, $ar, $records) = @{ $mode2{$name} };
    put('dns_response', "mode2-$name", "\x02" . $flags . pack('n3', $an, $ns, $ar) . $records);
}
# Modes 0 and 1: whole messages (mode 1 gets the ID patched in).
my $whole = pack('n n n4', 0x1234, 0x8480, 1, 1, 0, 0) . $question . rr(0xC00C, 16, 300, txt($key));
put('dns_response', 'mode1-txt', "\x01" . $whole);
put('dns_response', 'mode0-txt', "\x00" . $whole);
put('dns_response', 'mode1-header-only', "\x01" . substr($whole, 0, 12));

# ARC: the dkimpy chains whole (arc_chain) and their ARC field values,
# folding kept, without the final CRLF (arc_fields). One more chain: chain2
# with set 1's fields moved above set 2's (the order of the fields does not
# matter for grouping them into sets).
for my $file (sort glob("$arc_data/*.eml")) {
    my $m = slurp($file);
    $m =~ s/\n/\r\n/g unless $m =~ /\r/;
    (my $name = $file) =~ s{^.*/}{arc_};
    put('arc_chain', $name, $m);
    # Padded with whitespace-only lines (relaxed canonicalization drops them,
    # so the chain is unchanged) to a length that is a multiple of 16: the
    # inputs arc_chain also seals.
    my $padded = $m;
    $padded .= " \r\n" while length($padded) % 16;
    put('arc_chain', "$name-padded-to-16", $padded);
    my $end = index($m, "\r\n\r\n");
    my ($header, $body) = $end < 0 ? ($m, '') : (substr($m, 0, $end + 2), substr($m, $end + 4));
    my @fields;
    for my $line (split /\r\n/, $header) {
        if ($line =~ /^[ \t]/ && @fields) { $fields[-1] .= "\r\n$line" } elsif (length $line) { push @fields, $line }
    }
    for my $field (@fields) {
        next unless $field =~ /^ARC-(?:Seal|Message-Signature|Authentication-Results)[ \t]*:(.*)$/is;
        put('arc_fields', $name, $1);
    }
    next unless $name eq 'arc_chain2.eml';
    my $set1 = sub { $_[0] =~ /^ARC-[A-Za-z-]+[ \t]*:[ \t]*i=1;/ };
    my @first = grep { $set1->($_) } @fields;
    my @others = grep { !$set1->($_) } @fields;
    put('arc_chain', 'arc_chain2-set1-on-top', join('', map { "$_\r\n" } @first, @others) . "\r\n" . $body);
}
PERL

for t in "${TARGETS[@]}"; do
    printf '%-13s %4d files %8d bytes\n' "$t" "$(find "seeds/$t" -type f | wc -l)" "$(cat "seeds/$t"/* 2>/dev/null | wc -c)"
done
printf '%-13s %14d bytes\n' total "$(find seeds -type f -exec cat {} + | wc -c)"
