# One mailbox of the library's JSON as an object with the Get-Mailbox property names.
function ConvertTo-MailboxObject {
    param([object] $Mailbox)

    return Add-ObjectTypeName -InputObject $Mailbox -TypeName 'ExchangeSoa.Mailbox'
}
