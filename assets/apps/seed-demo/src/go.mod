module meshtui.local/demo

go 1.19
