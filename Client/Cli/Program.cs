using ProcessGrid.Cli;

// The grid tool: `grid nodes`, `grid ping <node>`, `grid info <node>`, `grid processes <node>`, `grid process <pid>`; run `grid help` for the options.
return await GridTool.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable);
