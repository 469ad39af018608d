using Mesh.Cli;

return await MeshCtl.RunAsync(args, Console.Out, Console.Error);
