using System.Collections.Concurrent;

namespace ProcessGrid.Runtime.Processes;

/// <summary>
/// Node-local names (Erlang's <c>register/2</c>, <c>whereis/1</c>): a name maps to at most one live process of this
/// node, a process holds at most one name, and the name is freed when the process exits.
/// </summary>
internal sealed class LocalRegistry
{
    private readonly ConcurrentDictionary<string, ProcessCell> _names = new(StringComparer.Ordinal);

    /// <summary>Registers <paramref name="cell"/> as <paramref name="name"/>; returns why not, or null on success.</summary>
    public string? TryRegister(string name, ProcessCell cell)
    {
        if (!cell.TrySetRegisteredName(name))
        {
            return cell.IsAlive
                ? $"process {cell.Self} is already registered as '{cell.RegisteredName}' (a process holds one name; unregister it first)"
                : $"process {cell.Self} is not alive";
        }
        if (!_names.TryAdd(name, cell))
        {
            cell.ClearRegisteredName(name);
            return $"the name '{name}' is already registered to {Whereis(name)?.ToString() ?? "another process"}";
        }
        if (!cell.IsAlive)
        {
            // The process exited while registering and may have missed this entry when it released its name.
            _names.TryRemove(new KeyValuePair<string, ProcessCell>(name, cell));
            return $"process {cell.Self} is not alive";
        }
        return null;
    }

    /// <summary>Removes <paramref name="name"/>; false when it was not registered.</summary>
    public bool Unregister(string name)
    {
        if (!_names.TryRemove(name, out var cell))
        {
            return false;
        }
        cell.ClearRegisteredName(name);
        return true;
    }

    /// <summary>Removes <paramref name="name"/> if it still names <paramref name="cell"/> (the process exited).</summary>
    public void Release(string name, ProcessCell cell) => _names.TryRemove(new KeyValuePair<string, ProcessCell>(name, cell));

    /// <summary>The live process registered as <paramref name="name"/>, or null.</summary>
    public ProcessCell? Find(string name) => _names.TryGetValue(name, out var cell) && cell.IsAlive ? cell : null;

    /// <summary>The pid registered as <paramref name="name"/>, or null.</summary>
    public Pid? Whereis(string name) => Find(name)?.Self;

    /// <summary>All registered names.</summary>
    public IReadOnlyList<string> Names => _names.Keys.ToArray();
}
