Console.WriteLine("meshctl");
