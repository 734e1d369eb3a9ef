namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// The newest membership table a node (or a client) has seen. Views arrive from table reads, gossip and gateways on
/// several threads; only a newer version replaces the current one, by compare-and-swap, so a late arrival never sends
/// the view back.
/// </summary>
internal sealed class MembershipView
{
    private volatile MembershipTableData _current = new(-1, []);

    /// <summary>The newest table seen.</summary>
    public MembershipTableData Current => _current;

    /// <summary>Makes <paramref name="data"/> current if it is newer; true then, with the view it replaced in <paramref name="previous"/>.</summary>
    public bool TryAdvance(MembershipTableData data, out MembershipTableData previous)
    {
        do
        {
            previous = _current;
            if (data.Version <= previous.Version)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _current, data, previous) != previous);
        return true;
    }
}
