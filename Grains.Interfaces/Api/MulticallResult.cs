namespace ProcessGrid;

/// <summary>
/// What a multicall brought back (Erlang's <c>{ResL, BadNodes}</c>): the result of every node that answered, and for
/// every other node the error that says why it did not.
/// </summary>
/// <typeparam name="TResult">The function's result type.</typeparam>
public sealed class MulticallResult<TResult>
{
    /// <summary>Creates the outcome of a multicall.</summary>
    public MulticallResult(IReadOnlyDictionary<NodeName, TResult> results, IReadOnlyDictionary<NodeName, RpcException> failed)
    {
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(failed);
        Results = results;
        Failed = failed;
    }

    /// <summary>The nodes that answered, with their results, in the order the nodes were given.</summary>
    public IReadOnlyDictionary<NodeName, TResult> Results { get; }

    /// <summary>The nodes that did not answer, with why (down, timeout, undef, badarg, the exception the function threw).</summary>
    public IReadOnlyDictionary<NodeName, RpcException> Failed { get; }

    /// <summary>True when every node answered.</summary>
    public bool AllSucceeded => Failed.Count == 0;
}
