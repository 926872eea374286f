package server

func (a *webAPI) issueRoutes(handle func(string, apiHandler)) {}
