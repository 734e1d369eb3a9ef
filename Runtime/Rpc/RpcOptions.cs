namespace ProcessGrid.Runtime.Rpc;

/// <summary>
/// The functions a node serves over rpc from the moment it starts (<c>ProcessGridOptions.Rpc</c>, or
/// <c>services.AddRpcFunctions</c>). Functions are code, so they are registered in code, never read from configuration.
/// Start every node of a cluster with the same ones, and every node can call any of them on any other from the start.
/// </summary>
/// <example>
/// <code>
/// services.AddProcessGrid(options => options.Rpc
///     .Register("math.add", (int a, int b) => a + b)
///     .Register("orders.count", async (IServiceProvider services, CancellationToken ct) => await services.GetRequiredService&lt;Orders&gt;().CountAsync(ct)));
/// </code>
/// </example>
public sealed class RpcOptions
{
    private readonly Dictionary<string, RpcFunction> _functions = new(StringComparer.Ordinal);

    /// <summary>
    /// Registers <paramref name="handler"/> as the function <paramref name="function"/>: any delegate, synchronous or
    /// asynchronous, whose parameters take the call's arguments by position, except those of type
    /// <see cref="IProcessGrid"/> (the node), <see cref="IServiceProvider"/> (the node's services) and
    /// <see cref="CancellationToken"/> (cancelled when the caller stops waiting or the node stops), which the node fills in.
    /// </summary>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="ArgumentException">The name is taken or reserved (<see cref="GridFunctions.ReservedPrefix"/>), or the delegate has a <c>ref</c>/<c>out</c> parameter.</exception>
    public RpcOptions Register(string function, Delegate handler)
    {
        var created = RpcFunction.Create(function, handler);
        if (!_functions.TryAdd(function, created))
        {
            throw new ArgumentException($"Cannot register the rpc function '{function}': it is registered already in these options.", nameof(function));
        }
        return this;
    }

    /// <summary>The names of the functions registered here.</summary>
    public IReadOnlyCollection<string> Functions => _functions.Keys;

    /// <summary>The functions, as a node serves them.</summary>
    internal IEnumerable<RpcFunction> All => _functions.Values;
}
