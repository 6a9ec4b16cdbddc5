#!/usr/bin/perl
# Prepare a freshly initialised, throwaway Request Tracker 5 for ringdesk's tests:
#   - grants the Privileged group (every agent) the ticket rights on queue General, so an
#     agent can own, see and comment on the tickets ringdesk creates;
#   - creates the ticket custom field "Call ID" on General (duplicate detection by call id);
#   - mints REST2 auth tokens for root and prints them as one JSON object on stdout.
#
# Run it before rt-server starts, with RT_SITE_CONFIG / RT_SITE_CONFIG_DIR pointing at the
# instance's own config and -I pointing at RT's lib directory (tests/rt/rtserver.py does).
#
# Usage: perl -I/usr/share/request-tracker5/lib prepare.pl [--slow-token-cost 12]
#   --slow-token-cost N  also mint a second root token hashed at bcrypt cost N (RT's default
#                        is 12): every request authenticated with it pays that hash, as on a
#                        production RT. 0 (the default) skips it.
use strict;
use warnings;

use Getopt::Long;
use JSON ();
use RT;

my $slow_token_cost = 0;
GetOptions('slow-token-cost=i' => \$slow_token_cost) or die "bad options\n";

RT::LoadConfig();
RT::Init();

my $queue = RT::Queue->new(RT->SystemUser);
$queue->Load('General') or die "queue General not found\n";

my $privileged = RT::Group->new(RT->SystemUser);
$privileged->LoadSystemInternalGroup('Privileged') or die "group Privileged not found\n";

# What an agent needs to be a ticket's Owner and to work the ticket; RT grants none of it
# to Privileged by default, and a ticket created with such an Owner silently gets Nobody.
for my $right (qw(SeeQueue ShowTicket CreateTicket ReplyToTicket CommentOnTicket OwnTicket
                  TakeTicket ModifyTicket ShowTicketComments Watch)) {
    my ($ok, $msg) = $privileged->PrincipalObj->GrantRight(Right => $right, Object => $queue);
    die "grant $right: $msg\n" unless $ok;
}

my $cf = RT::CustomField->new(RT->SystemUser);
my ($cf_id, $cf_msg) = $cf->Create(
    Name        => 'Call ID',
    Type        => 'Freeform',
    MaxValues   => 1,
    LookupType  => RT::Ticket->CustomFieldLookupType,
    Description => 'PBX call id of the call that opened the ticket',
);
die "custom field: $cf_msg\n" unless $cf_id;
my ($applied, $apply_msg) = $cf->AddToObject($queue);
die "apply custom field: $apply_msg\n" unless $applied;
for my $right (qw(SeeCustomField ModifyCustomField)) {
    my ($ok, $msg) = $privileged->PrincipalObj->GrantRight(Right => $right, Object => $cf);
    die "grant $right: $msg\n" unless $ok;
}

my $root = RT::User->new(RT->SystemUser);
$root->Load('root') or die "user root not found\n";
my $as_root = RT::CurrentUser->new($root);

sub mint_token {
    my ($description) = @_;
    my ($id, $msg, $authstring) = RT::AuthToken->new($as_root)->Create(
        Owner       => $root->Id,
        Description => $description,
    );
    die "token: $msg\n" unless $id;
    return $authstring;
}

# The fast token first: RT tries a user's tokens in id order until one matches, so requests
# with it never pay the slow token's hash.
my %out = (
    token          => mint_token('ringdesk tests'),
    call_id_cf     => $cf->Id + 0,
    privileged_gid => $privileged->Id + 0,
);
if ($slow_token_cost) {
    RT->Config->Set(BcryptCost => $slow_token_cost);
    $out{slow_token} = mint_token("ringdesk tests, bcrypt cost $slow_token_cost");
}

print JSON::encode_json(\%out), "\n";
