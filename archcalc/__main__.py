from archcalc.entry import main

main()
