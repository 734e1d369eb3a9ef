namespace ProcessGrid.Runtime.Messaging;

/// <summary>
/// Where a pending call is registered besides its caller: the callee it watches (a local process), or the table of
/// calls awaiting a reply from another node. Told to forget the call when it completes, however it completes.
/// </summary>
internal interface ICallWatch
{
    /// <summary>Forgets the registration <paramref name="key"/>.</summary>
    void ReleaseCall(long key);
}
