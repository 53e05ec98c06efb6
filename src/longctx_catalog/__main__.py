from .cli import main

if __name__ == "__main__":  # not when multiprocessing imports it in a child
    main()
