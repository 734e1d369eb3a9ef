using System.Collections.Concurrent;

namespace ProcessGrid.Runtime.Processes;

/// <summary>
/// The node's spawned processes by number: how a pid that arrives as data (parsed, from another node) finds its
/// process, and what <c>processes()</c> lists.
/// </summary>
/// <remarks>
/// Process numbers are handed out in sequence, so the table is an array indexed by number, cut into segments (as
/// Erlang's process table is an array indexed by pid): adding a process is a store into the newest segment and one
/// atomic increment, with no lock, hashing or resizing. A segment whose numbers have all been handed out and whose
/// processes have all exited is dropped, so a node that has spawned billions of processes keeps only the segments
/// with live ones.
/// </remarks>
internal sealed class ProcessTable(Func<long> highestIssuedId)
{
    private const int SegmentBits = 12;
    private const int SegmentSize = 1 << SegmentBits;
    private const int SegmentMask = SegmentSize - 1;

    private readonly ConcurrentDictionary<long, Segment> _segments = new();
    private volatile Segment? _newest;
    private int _count;

    /// <summary>How many spawned processes are alive.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds a new process.</summary>
    public void Add(ProcessCell cell)
    {
        var id = cell.Self.Id;
        var segment = SegmentFor(id >> SegmentBits);
        Volatile.Write(ref segment.Slots[id & SegmentMask], cell);
        Interlocked.Increment(ref segment.Live);
        Interlocked.Increment(ref _count);
    }

    /// <summary>Removes an exited process.</summary>
    public void Remove(ProcessCell cell)
    {
        var id = cell.Self.Id;
        var index = id >> SegmentBits;
        if (!_segments.TryGetValue(index, out var segment)
            || !ReferenceEquals(Interlocked.CompareExchange(ref segment.Slots[id & SegmentMask], null, cell), cell))
        {
            return;
        }
        Interlocked.Decrement(ref _count);
        if (Interlocked.Decrement(ref segment.Live) == 0 && (id | SegmentMask) < highestIssuedId())
        {
            // Every number of this segment has been handed out and every process of it has exited: drop it. A spawn
            // whose number was handed out but not yet added recreates the segment, so nothing is lost.
            _segments.TryRemove(new KeyValuePair<long, Segment>(index, segment));
        }
    }

    /// <summary>Finds a process by number.</summary>
    public ProcessCell? Find(long id) =>
        _segments.TryGetValue(id >> SegmentBits, out var segment) ? Volatile.Read(ref segment.Slots[id & SegmentMask]) : null;

    /// <summary>A snapshot of the live processes, in spawn order.</summary>
    public IEnumerable<ProcessCell> All
    {
        get
        {
            foreach (var (_, segment) in _segments.OrderBy(pair => pair.Key))
            {
                foreach (var cell in segment.Slots)
                {
                    if (cell is not null)
                    {
                        yield return cell;
                    }
                }
            }
        }
    }

    private Segment SegmentFor(long index)
    {
        var newest = _newest;
        if (newest is not null && newest.Index == index && _segments.TryGetValue(index, out var current) && ReferenceEquals(current, newest))
        {
            return newest;
        }
        var segment = _segments.GetOrAdd(index, static i => new Segment(i));
        if (newest is null || index >= newest.Index)
        {
            _newest = segment;
        }
        return segment;
    }

    private sealed class Segment(long index)
    {
        public readonly long Index = index;
        public readonly ProcessCell?[] Slots = new ProcessCell?[SegmentSize];
        public int Live;
    }
}
