Console.WriteLine("Exp22 AppHost: the app model lands with the AppHost issue.");
