namespace ProcessGrid;

/// <summary>The base of the errors ProcessGrid raises about processes, calls and names.</summary>
public class ProcessGridException : Exception
{
    /// <summary>Creates the error with its message.</summary>
    public ProcessGridException(string message) : base(message)
    {
    }

    /// <summary>Creates the error with its message and cause.</summary>
    public ProcessGridException(string message, Exception? inner) : base(message, inner)
    {
    }
}
