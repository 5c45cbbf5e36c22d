function ConvertTo-SyncErrorObject {
    param([object] $SyncError)

    [pscustomobject]@{
        PSTypeName = 'ExchangeSoa.SyncError'
        Object     = $SyncError.object
        Code       = $SyncError.code
        Message    = $SyncError.message
        Time       = $SyncError.time
    }
}
