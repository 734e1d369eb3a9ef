using System.Collections;

namespace ProcessGrid.Runtime.Groups;

/// <summary>
/// An immutable list of members that the scope process extends cheaply: successive versions share one array, each
/// seeing its own prefix of it. Appending writes past the end of the newest version (amortized O(1) per pid) and
/// makes a longer version; removing copies what is kept into a new array (one pass). Readers index and enumerate a
/// plain array, and a version they hold never changes.
/// </summary>
/// <remarks>
/// Why the sharing is safe: only the scope's process creates versions, one after the other, and it appends in place
/// only when the version it extends ends where the array's used part ends (<see cref="Buffer.Used"/>), so a slot that
/// any version already shows is never written again. Readers on other threads get a version through the scope's
/// published view (a volatile write), which makes the slots it shows visible to them.
/// </remarks>
internal sealed class MemberList : IReadOnlyList<Pid>
{
    private readonly Buffer _buffer;
    private readonly int _count;

    private MemberList(Buffer buffer, int count)
    {
        _buffer = buffer;
        _count = count;
    }

    /// <summary>No members.</summary>
    public static MemberList Empty { get; } = new(new Buffer([]), 0);

    /// <inheritdoc />
    public int Count => _count;

    /// <summary>True when there are no members.</summary>
    public bool IsEmpty => _count == 0;

    /// <inheritdoc />
    public Pid this[int index] => (uint)index < (uint)_count ? _buffer.Slots[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The members as a span (the slots of this version).</summary>
    public ReadOnlySpan<Pid> AsSpan() => _buffer.Slots.AsSpan(0, _count);

    /// <summary>This list followed by <paramref name="pids"/>.</summary>
    public MemberList Append(IReadOnlyList<Pid> pids)
    {
        if (pids.Count == 0)
        {
            return this;
        }
        var count = _count + pids.Count;
        var buffer = _buffer;
        if (_count != buffer.Used || count > buffer.Slots.Length)
        {
            buffer = new Buffer(new Pid[Math.Max(4, count * 2)]);
            Array.Copy(_buffer.Slots, buffer.Slots, _count);
        }
        for (var i = 0; i < pids.Count; i++)
        {
            buffer.Slots[_count + i] = pids[i];
        }
        buffer.Used = count;
        return new MemberList(buffer, count);
    }

    /// <summary>This list without one occurrence of each of <paramref name="pids"/> (a pid listed twice loses two; absent ones are ignored).</summary>
    public MemberList Without(IReadOnlyList<Pid> pids)
    {
        if (pids.Count == 0 || _count == 0)
        {
            return this;
        }
        var remaining = new Dictionary<Pid, int>(pids.Count);
        foreach (var pid in pids)
        {
            remaining[pid] = remaining.GetValueOrDefault(pid) + 1;
        }
        var kept = new Pid[_count];
        var keptCount = 0;
        foreach (var pid in AsSpan())
        {
            if (remaining.TryGetValue(pid, out var times) && times > 0)
            {
                remaining[pid] = times - 1;
                continue;
            }
            kept[keptCount++] = pid;
        }
        if (keptCount == _count)
        {
            return this;
        }
        if (keptCount == 0)
        {
            return Empty;
        }
        return new MemberList(new Buffer(kept) { Used = keptCount }, keptCount);
    }

    /// <inheritdoc />
    public IEnumerator<Pid> GetEnumerator()
    {
        for (var i = 0; i < _count; i++)
        {
            yield return _buffer.Slots[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => $"[{string.Join(", ", this)}]";

    /// <summary>The array versions share, and how much of it they use.</summary>
    private sealed class Buffer(Pid[] slots)
    {
        public Pid[] Slots { get; } = slots;

        /// <summary>How many slots some version shows; appending in place starts here.</summary>
        public int Used { get; set; }
    }
}
