namespace ProcessGrid;

/// <summary>
/// The global registry cannot decide a claim now: its database cannot be reached, or this node is cut off from the
/// majority of its cluster. Nothing was changed; try again later.
/// </summary>
public sealed class GlobalRegistryUnavailableException : ProcessGridException
{
    /// <summary>Creates the error with a message saying what is unavailable and what to do.</summary>
    public GlobalRegistryUnavailableException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
