from archcalc.cli.entry import main

main()
