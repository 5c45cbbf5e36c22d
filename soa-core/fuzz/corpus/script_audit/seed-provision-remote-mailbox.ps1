<#
.SYNOPSIS
    Provisions a remote mailbox for a new hire (legacy, runs on the Exchange management server).
.NOTES
    Historically this used Set-RemoteMailbox for everything; see the wiki page
    "Set-RemoteMailbox cheat sheet". None of the text in this block is a command.
#>
param(
    [Parameter(Mandatory)] [string] $SamAccountName,
    [Parameter(Mandatory)] [string] $Department
)

Add-PSSnapin Microsoft.Exchange.Management.PowerShell.RecipientManagement

$upn = "$SamAccountName@contoso.com"
Write-Host "Calling New-RemoteMailbox for $upn"   # a string that names a cmdlet

New-RemoteMailbox -Name $SamAccountName -UserPrincipalName $upn `
    -OnPremisesOrganizationalUnit 'OU=Staff,DC=contoso,DC=com' `
    -RemoteRoutingAddress "$SamAccountName@contoso.mail.onmicrosoft.com"

# Set-RemoteMailbox -CustomAttribute1 'commented out'
Set-RemoteMailbox -Identity $upn -CustomAttribute1 $Department -HiddenFromAddressListsEnabled $false

Set-RemoteMailbox $upn -DisplayName "New Hire $SamAccountName" -CustomAttribute2 'Onboarding'

Set-RemoteMailbox -Identity $upn -EmailAddresses @{Add = "smtp:$SamAccountName@fabrikam.com"} `
    -ErrorAction Stop
