using ProcessGrid.Runtime.Gateway;

namespace ProcessGrid.Client;

/// <summary>
/// A client could not reach its cluster: no gateway answered in time, or every one that answered refused the client.
/// The message lists what each address answered and what to check.
/// </summary>
public sealed class GridConnectException : ProcessGridException
{
    private GridConnectException(string message, string clusterId, IReadOnlyDictionary<string, string> failures, Exception inner)
        : base(message, inner)
    {
        ClusterId = clusterId;
        Failures = failures;
    }

    /// <summary>The cluster id the client asked for.</summary>
    public string ClusterId { get; }

    /// <summary>What each gateway address answered (address → reason).</summary>
    public IReadOnlyDictionary<string, string> Failures { get; }

    /// <summary>Builds the error a user reads: per address what happened, then which settings to check.</summary>
    internal static GridConnectException From(GridClientOptions options, NodeName client, GatewayConnectException failure)
    {
        var section = GridClientOptions.SectionName;
        var attempts = string.Join("; ", failure.Failures.Select(f => $"{f.Endpoint}: {f.Reason}"));
        var checks = new List<string>();
        if (failure.Failures.Any(f => f.IsRefusal))
        {
            checks.Add(
                $"a node answered and refused this client: {section}:ClusterId (now '{options.ClusterId}') and {section}:Cookie " +
                $"({(options.Cookie is null ? "unset, so ~/.processgrid.cookie was used" : "set")}) must be those of the cluster's nodes");
        }
        if (failure.Failures.Any(f => !f.IsRefusal))
        {
            checks.Add(
                $"an address did not answer{(failure.GivenUpAfter is { } waited ? $" within {waited}" : "")}: check that a node of the cluster runs there " +
                $"and that this machine can reach it ({section}:Gateways)");
        }
        var message = $"Client {client} could not connect to cluster '{options.ClusterId}'. {attempts}. To check: {string.Join("; ", checks)}.";
        return new GridConnectException(message, options.ClusterId, failure.Failures.ToDictionary(f => f.Endpoint, f => f.Reason, StringComparer.Ordinal), failure);
    }
}
