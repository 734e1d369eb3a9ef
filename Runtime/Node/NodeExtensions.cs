using System.Collections.Concurrent;

namespace ProcessGrid.Runtime.Node;

/// <summary>
/// The per-node parts of the services built on the runtime (the global registry, process groups, rpc): each is created
/// on first use on a node, lives as long as the node, and is stopped with it. This is how the layers above the
/// runtime attach state to a node without the runtime knowing them.
/// </summary>
/// <remarks>
/// A part that implements <see cref="IAsyncDisposable"/> is disposed when the node stops, after its processes have
/// stopped and before it leaves the cluster (so it can still tell the cluster what it releases), in the reverse order
/// of creation. A part asked for while the node is stopping is refused.
/// </remarks>
internal sealed class NodeExtensions
{
    private readonly ConcurrentDictionary<Type, Lazy<object>> _parts = new();
    private readonly ConcurrentQueue<object> _created = new();
    private volatile bool _closed;

    /// <summary>The node's part of type <typeparamref name="T"/>, created by <paramref name="create"/> on first use.</summary>
    /// <exception cref="InvalidOperationException">The node is stopping or has stopped.</exception>
    public T GetOrAdd<T>(Func<T> create) where T : class
    {
        if (_parts.TryGetValue(typeof(T), out var existing))
        {
            return (T)existing.Value;
        }
        if (_closed)
        {
            throw new InvalidOperationException($"The node is stopping: {typeof(T).Name} cannot start on it any more.");
        }
        var lazy = _parts.GetOrAdd(typeof(T), _ => new Lazy<object>(() =>
        {
            var part = create();
            _created.Enqueue(part);
            return part;
        }, LazyThreadSafetyMode.ExecutionAndPublication));
        return (T)lazy.Value;
    }

    /// <summary>The part of type <typeparamref name="T"/> if it was created, else null.</summary>
    public T? Find<T>() where T : class => _parts.TryGetValue(typeof(T), out var existing) && existing.IsValueCreated ? (T)existing.Value : null;

    /// <summary>Disposes the parts, newest first; no part can be created afterwards.</summary>
    public async Task CloseAsync()
    {
        _closed = true;
        foreach (var part in _created.Reverse())
        {
            if (part is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
