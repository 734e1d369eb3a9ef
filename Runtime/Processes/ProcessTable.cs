using System.Collections.Concurrent;

namespace ProcessGrid.Runtime.Processes;

/// <summary>The node's spawned processes by number: how a pid that arrives as data (parsed, from another node) finds its process.</summary>
internal sealed class ProcessTable
{
    private readonly ConcurrentDictionary<long, ProcessCell> _cells = new();

    /// <summary>How many spawned processes are alive.</summary>
    public int Count => _cells.Count;

    /// <summary>Adds a new process.</summary>
    public void Add(ProcessCell cell) => _cells[cell.Self.Id] = cell;

    /// <summary>Removes an exited process.</summary>
    public void Remove(ProcessCell cell) => _cells.TryRemove(new KeyValuePair<long, ProcessCell>(cell.Self.Id, cell));

    /// <summary>Finds a process by number.</summary>
    public ProcessCell? Find(long id) => _cells.TryGetValue(id, out var cell) ? cell : null;

    /// <summary>A snapshot of the live processes.</summary>
    public IEnumerable<ProcessCell> All => _cells.Values;
}
