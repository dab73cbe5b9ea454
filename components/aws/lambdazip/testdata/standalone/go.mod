module example.com/standalone

go 1.22
