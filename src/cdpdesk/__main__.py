from cdpdesk.cli import main

main()
