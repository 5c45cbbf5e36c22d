# One mailbox of the library's JSON (the Get-Mailbox | ConvertTo-Json shape) as an object with the
# Get-Mailbox property names, which the other cmdlets accept from the pipeline.
function ConvertTo-SimulatedMailboxObject {
    param([object] $Mailbox)

    return Add-ObjectTypeName -InputObject $Mailbox -TypeName 'ExchangeSoa.SimulatedMailbox'
}
