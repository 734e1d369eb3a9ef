namespace ProcessGrid.Runtime.Gateway;

/// <summary>What one gateway address answered when the client tried it.</summary>
/// <param name="Endpoint">The address, <c>host:port</c>.</param>
/// <param name="Reason">What went wrong, in words.</param>
/// <param name="IsRefusal">True when a node answered and refused (another cluster, another cookie); false when none answered.</param>
internal sealed record GatewayFailure(string Endpoint, string Reason, bool IsRefusal);

/// <summary>A client could not reach its cluster through any gateway.</summary>
internal sealed class GatewayConnectException(IReadOnlyList<GatewayFailure> failures, TimeSpan? givenUpAfter)
    : Exception($"No gateway could be used: {string.Join("; ", failures.Select(f => $"{f.Endpoint}: {f.Reason}"))}")
{
    /// <summary>What each address answered.</summary>
    public IReadOnlyList<GatewayFailure> Failures { get; } = failures;

    /// <summary>How long addresses that did not answer were tried, or null when every address refused at once.</summary>
    public TimeSpan? GivenUpAfter { get; } = givenUpAfter;
}
