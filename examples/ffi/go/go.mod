module aigc.example/aigc

go 1.19
