# Writes the mailboxes of a pager page by page, as they arrive, until the library gives an empty
# page; a failed page is written as an error and ends the listing. (The one loop of the listing:
# the library decides what a page holds and when the listing ends.)
function Read-MailboxPager {
    param(
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        [object] $Pager,
        [int] $PageSize,
        [object] $TargetObject
    )

    $pageNumber = 0
    while ($true) {
        try {
            $page = [ExchangeSoa.Api]::NextMailboxPage($Pager, [uint32]$PageSize)
        }
        catch {
            $Cmdlet.WriteError((ConvertTo-NativeErrorRecord -ErrorRecord $_ -TargetObject $TargetObject))
            return
        }
        $mailboxes = @(ConvertFrom-JsonArray -Json $page)
        if ($mailboxes.Count -eq 0) {
            return
        }
        $pageNumber++
        Write-Verbose -Message "Page $($pageNumber): $($mailboxes.Count) mailbox(es)"
        foreach ($mailbox in $mailboxes) {
            ConvertTo-MailboxObject -Mailbox $mailbox
        }
    }
}
